// XRD view (observed / calculated / difference, R factors, phase table) and XPS view (atomic % per
// sputter step, one fitted spectrum).  Both render whatever the stored results hold.
import { esc, fmt, get, tableHtml, wireCsv } from "./api.js";
import * as plots from "./plots.js";

const PHASE_HEADERS = { a: "a / Å", b: "b / Å", c: "c / Å", a_Angstrom: "a / Å", b_Angstrom: "b / Å", c_Angstrom: "c / Å",
  volume_A3: "V / Å³", volume_Angstrom3: "V / Å³", density: "ρ / g cm⁻³", density_g_cm3: "ρ / g cm⁻³",
  density_g_per_cm3: "ρ / g cm⁻³", weight_fraction: "weight fraction", crystallite_size_nm: "D / nm", microstrain: "ε" };
const PERCENT = new Set(["Rp", "Rwp", "Rexp"]);  // R factors are stored in percent

// one column per quantity: the same density under two names is shown once
function phaseKeys(phases) {
  const keys = [...new Set(phases.flatMap((p) => Object.keys(p)).filter((k) => k !== "phase"))];
  const seen = new Set();
  return keys.filter((k) => { const h = PHASE_HEADERS[k] || k; if (seen.has(h)) return false; seen.add(h); return true; });
}

export async function showXrd(view) {
  const { refinements } = await get("/api/xrd");
  if (!refinements.length) {
    view.innerHTML = '<h2>XRD</h2><p class="muted" id="xrd-empty">No XRD results in the results database.</p>';
    return;
  }
  view.innerHTML = "<h2>XRD refinements</h2>" + refinements.map((r, i) => {
    const keys = phaseKeys(r.phases);
    const stats = Object.entries(r.stats).map(([k, v]) => `${esc(k)} = ${fmt(v, 4)}${PERCENT.has(k) ? " %" : ""}`).join(" · ");
    return `<div class="panel xrd-record"><h3>${esc(r.sample)} · ${esc(r.label)}</h3>
      <p class="xrd-stats">${stats || '<span class="muted">no R factors stored</span>'}</p>
      ${r.curves ? `<div id="xrd-${i}" class="plot"></div>` : '<p class="muted">No pattern stored with this refinement.</p>'}
      ${tableHtml(`xrd-phases-${i}`, [["phase", "Phase"], ...keys.map((k) => [k, PHASE_HEADERS[k] || k, 5])], r.phases, "/api/export/xrd.csv")}
      ${r.curves ? `<div class="row"><button class="secondary csv-button" data-csv="/api/export/curves/${r.analysis_id}.csv">Pattern CSV</button></div>` : ""}</div>`;
  }).join("");
  refinements.forEach((r, i) => { if (r.curves) plots.xrd(document.getElementById(`xrd-${i}`), r, `xrd-${r.sample}-${r.analysis_id}`); });
  wireCsv(view);
}

export async function showXps(view) {
  const { profiles } = await get("/api/xps");
  if (!profiles.length) {
    view.innerHTML = '<h2>XPS</h2><p class="muted" id="xps-empty">No XPS results in the results database.</p>';
    return;
  }
  view.innerHTML = "<h2>XPS depth profiles</h2>" + profiles.map((r, i) => {
    const p = r.profile;
    const rows = p ? p.x.map((x, k) => ({ x, ...Object.fromEntries(Object.entries(p.atomic_percent).map(([e, v]) => [e, v[k]])) })) : [];
    const cols = p ? [["x", p.x_name], ...Object.keys(p.atomic_percent).map((e) => [e, `${e} / at.%`, 3])] : [];
    return `<div class="panel xps-record"><h3>${esc(r.sample)} · ${esc(r.label)}</h3>
      <div class="grid2"><div>${p ? `<div id="xps-profile-${i}" class="plot"></div>` : '<p class="muted">No atomic % stored.</p>'}</div>
      <div>${(r.regions || []).length ? `<div class="row xps-selectors"><label>Region <select id="xps-region-${i}">${r.regions.map((g, k) =>
        `<option value="${k}">${esc(g.region)}</option>`).join("")}</select></label>
        <label>Depth <select id="xps-step-${i}"></select></label></div><div id="xps-spectrum-${i}" class="plot"></div>`
        : r.spectrum ? `<div id="xps-spectrum-${i}" class="plot"></div>` : '<p class="muted">No fitted spectrum stored.</p>'}</div></div>
      ${p ? tableHtml(`xps-table-${i}`, cols, rows, "/api/export/xps.csv") : ""}
      ${r.rsf_source ? `<p class="muted">RSF: ${esc(r.rsf_source)}</p>` : ""}</div>`;
  }).join("");
  profiles.forEach((r, i) => {
    if (r.profile) plots.xpsProfile(document.getElementById(`xps-profile-${i}`), r.profile, `xps-profile-${r.sample}-${r.analysis_id}`);
    if ((r.regions || []).length) setupXpsSelectors(r, i);
    else if (r.spectrum) plots.xpsSpectrum(document.getElementById(`xps-spectrum-${i}`), r.spectrum, `xps-spectrum-${r.sample}-${r.analysis_id}`);
  });
  wireCsv(view);
}

// Region and depth (sputter step) selectors over the stored fits: data, components, envelope, background.
function setupXpsSelectors(r, i) {
  const regionSel = document.getElementById(`xps-region-${i}`), stepSel = document.getElementById(`xps-step-${i}`);
  const fillSteps = () => {
    const g = r.regions[Number(regionSel.value)];
    const keep = stepSel.value;
    stepSel.innerHTML = g.steps.map((st, k) => `<option value="${k}">${st.sputter_time_s != null ? fmt(st.sputter_time_s / 60, 3) + " min" : "step " + k}</option>`).join("");
    if (keep && Number(keep) < g.steps.length) stepSel.value = keep;
  };
  const draw = () => {
    const g = r.regions[Number(regionSel.value)], st = g.steps[Number(stepSel.value) || 0];
    plots.xpsComponents(document.getElementById(`xps-spectrum-${i}`), g.region, st, `xps-${r.sample}-${g.region}-${stepSel.value}`.replace(/[^\w.-]+/g, "_"));
  };
  regionSel.onchange = () => { fillSteps(); draw(); };
  stepSel.onchange = draw;
  fillSteps();
  draw();
}
