// Analyse a non-impedance measurement in the browser: the form offers the technique's settings
// (phases for XRD, a region's components for XPS, defaults otherwise), runs the pipeline's own
// analysis as a job, and shows its verdict with a link to the technique's view.
import { esc, get, pollJob, post, progressHtml } from "./api.js";
import * as plots from "./plots.js";

function xpsForm(opt) {
  const regions = (opt.regions || []).map((r) => `<option>${esc(r)}</option>`).join("");
  return `<div class="row"><label>Region <select id="an-region">${regions}</select></label>
    <label>Components (name=position eV, …) <input type="text" id="an-components" size="40" placeholder="A=39.7, B=41.4"></label>
    <label>Shape <input type="text" id="an-shape" value="GL(30)" size="8"></label>
    <label>Background <select id="an-background"><option>shirley</option><option>linear</option></select></label></div>`;
}

function xrdForm(opt) {
  const phases = (opt.phases || []).map((p) => `<label class="phase-choice"><input type="checkbox" value="${esc(p)}"
    ${(opt.defaults.phases || []).includes(p) ? "checked" : ""}> ${esc(p)}</label>`).join(" ");
  return `<div class="row" id="an-phases">Phases: ${phases}</div>
    <div class="row"><label>2θ from <input type="number" id="an-tmin" step="any" size="6"></label>
    <label>to <input type="number" id="an-tmax" step="any" size="6"></label></div>`;
}

function semForm(opt) {
  const thr = ["otsu", "multiotsu", "li", "triangle", "yen"].map((t) => `<option>${t}</option>`).join("");
  return `<div class="row"><label>Analysis <select id="an-sem"><option>particles</option><option>layers</option><option>porosity</option></select></label>
    <label>Threshold <select id="an-threshold">${thr}</select></label>
    <label><input type="checkbox" id="an-dark"> dark particles</label>
    <label>Layers <input type="number" id="an-layers" min="2" step="1" size="4"></label>
    <label>Pixel size (override) <input type="text" id="an-pixel" size="10" placeholder="11.65 nm"></label></div>`;
}

function edsForm(opt) {
  return `<div class="row"><label>Formula per <input type="text" id="an-normalise" size="4" placeholder="As"></label>
    <label>Elements <input type="text" id="an-elements" size="16" placeholder="identified"></label>
    <label>k-factors <input type="text" id="an-kfactors" size="24" placeholder="Mg=1.05, As=1.2 (standardless if empty)"></label></div>`;
}

function list(text) { return text.split(",").map((x) => x.trim()).filter(Boolean); }

function settingsFrom(opt) {
  const $ = (id) => document.getElementById(id);
  if (opt.technique === "sem") {
    const s = { analysis: $("an-sem").value, particles: { threshold: $("an-threshold").value, polarity: $("an-dark").checked ? "dark" : "bright" } };
    if ($("an-layers").value) s.layers = { n_layers: Number($("an-layers").value) };
    if ($("an-pixel").value.trim()) s.pixel_size = $("an-pixel").value.trim();
    return s;
  }
  if (opt.technique === "eds") {
    const s = {};
    if ($("an-normalise").value.trim()) s.normalise = { [$("an-normalise").value.trim()]: 1 };
    if ($("an-elements").value.trim()) s.elements = list($("an-elements").value);
    const k = list($("an-kfactors").value).map((x) => x.split("="));
    if (k.length) s.kfactors = Object.fromEntries(k.map(([el, v]) => [el.trim(), Number(v)]));
    return s;
  }
  if (opt.technique === "xrd") {
    const phases = [...document.querySelectorAll("#an-phases input:checked")].map((i) => i.value);
    const s = { phases };
    if ($("an-tmin").value) s.two_theta_min_deg = Number($("an-tmin").value);
    if ($("an-tmax").value) s.two_theta_max_deg = Number($("an-tmax").value);
    return s;
  }
  if (opt.technique === "xps") {
    const region = $("an-region").value;
    const peaks = $("an-components").value.split(",").map((x) => x.trim()).filter(Boolean).map((x, k) => {
      const [name, pos] = x.includes("=") ? x.split("=") : [`C${k + 1}`, x];
      return { name: name.trim(), position_eV: Number(pos), shape: $("an-shape").value.trim() || "GL(30)" };
    });
    return { model: { [region]: peaks }, background: $("an-background").value, spectrum_region: region };
  }
  return {};
}

export async function setupAnalyse(panel, m) {
  let opt;
  try { opt = await get(`/api/analyse/options/${m.id}`); } catch (e) { panel.innerHTML = ""; return; }
  const forms = { xrd: xrdForm, xps: xpsForm, sem: semForm, eds: edsForm };
  const form = forms[opt.technique] ? forms[opt.technique](opt) : "";
  panel.innerHTML = `<h3>Analyse (${esc(opt.technique)})</h3>${form}
    <div class="row"><button id="analyse-btn">Analyse</button><span id="analyse-progress"></span></div>
    <div id="analyse-status" class="msg"></div>`;
  const status = document.getElementById("analyse-status");
  document.getElementById("analyse-btn").onclick = async () => {
    status.className = "msg";
    status.textContent = "";
    const prog = document.getElementById("analyse-progress");
    try {
      const { job_id } = await post("/api/analyse", { measurement_id: m.id, settings: settingsFrom(opt) });
      prog.innerHTML = '<span class="spinner"></span> <span id="analyse-elapsed">running…</span>';
      const job = await pollJob(job_id, (j) => { const el = document.getElementById("analyse-elapsed"); if (el) el.innerHTML = progressHtml(j, "analyse-bar"); });
      const r = job.result;
      status.className = "msg " + ({ ok: "ok", warning: "warn", failed: "error" }[r.status] || "ok");
      status.dataset.status = r.status;
      status.innerHTML = `${esc(r.kind)}: ${esc(r.status)}${r.summary ? " — " + esc(r.summary) : ""}${(r.reasons || []).map((x) => "\n" + esc(x.severity) + ": " + esc(x.message)).join("")}` +
        (r.view ? `\n<a id="analyse-view" href="${esc(r.view)}">Show it in the ${esc(r.view.slice(2))} view</a>` : "");
    } catch (e) {
      status.className = "msg error";
      status.textContent = `analysis failed: ${e.message}`;
    } finally { prog.textContent = ""; }
  };
}

// A region selector and its counts against binding energy (XPS files hold several regions).
export function showRegions(el, m) {
  const opts = m.regions.map((r, i) => `<option value="${i}">${esc(r.name)}${r.sputter_time_s != null ? ` (${r.sputter_time_s / 60} min)` : ""}</option>`).join("");
  el.innerHTML = `<div class="row"><label>Region <select id="region-select">${opts}</select></label></div><div id="region-plot" class="plot"></div>`;
  const draw = () => {
    const r = m.regions[Number(document.getElementById("region-select").value)];
    plots.xpsSpectrum(document.getElementById("region-plot"), { x: r.binding_energy_eV, series: { counts: r.counts }, meta: { region: r.name } },
      `xps-${m.sample}-${r.name}`.replace(/[^\w.-]+/g, "_"));
  };
  document.getElementById("region-select").onchange = draw;
  draw();
}
