// Hash router: #/ study, #/m/<id> measurement, #/transport.
import { esc } from "./api.js";
import { showStudy } from "./study.js";
import { showMeasurement } from "./spectrum.js";
import { showTransport } from "./transport.js";

async function route() {
  const view = document.getElementById("view");
  const hash = window.location.hash || "#/";
  const m = hash.match(/^#\/m\/(\d+)$/);
  try {
    if (m) await showMeasurement(view, Number(m[1]));
    else if (hash === "#/transport") await showTransport(view);
    else await showStudy(view);
  } catch (err) {
    view.innerHTML = `<p class="error-text" id="view-error">${esc(err.message)}</p><p><a href="#/">Back to the study</a></p>`;
  }
}

window.addEventListener("hashchange", route);
route();
