// Hash router: #/ study, #/m/<id> measurement, #/transport, #/cycling, #/xrd, #/xps.
import { esc } from "./api.js";
import { showStudy } from "./study.js";
import { showMeasurement } from "./spectrum.js";
import { showTransport } from "./transport.js";
import { showCycling } from "./cycling.js";
import { showXps, showXrd } from "./structure.js";

const VIEWS = { "#/transport": showTransport, "#/cycling": showCycling, "#/xrd": showXrd, "#/xps": showXps };

async function route() {
  const view = document.getElementById("view");
  const hash = window.location.hash || "#/";
  const m = hash.match(/^#\/m\/(\d+)$/);
  document.querySelectorAll("header nav a").forEach((a) => a.classList.toggle("active", a.getAttribute("href") === hash));
  try {
    if (m) await showMeasurement(view, Number(m[1]));
    else if (VIEWS[hash]) await VIEWS[hash](view);
    else await showStudy(view);
  } catch (err) {
    view.innerHTML = `<p class="error-text" id="view-error">${esc(err.message)}</p><p><a href="#/">Back to the study</a></p>`;
  }
}

window.addEventListener("hashchange", route);
route();
