// Transport view: Arrhenius plots of several samples overlaid, the transport table, and the DC
// results: chronoamperometry curves (I vs t) with t_ion, and the I_ss–V line of σ_el.
import { downloadCsv, esc, fmt, get, tableHtml, toast, wireCsv } from "./api.js";
import * as plots from "./plots.js";

function arrheniusHtml(t) {
  if (!t.series.length) return '<p class="muted" id="transport-empty">No conductivities in the results database yet.</p>';
  const rows = t.table.map((r) => `<tr><td>${esc(r.sample)}</td><td>${esc(r.method)}</td>
    <td class="num">${r.temperature_K ? fmt(r.temperature_K - 273.15, 4) : "–"}</td><td class="num">${r.voltage_V != null ? fmt(r.voltage_V, 3) : ""}</td><td>${esc(r.name)}</td>
    <td class="num">${fmt(r.value)}</td><td class="num">${fmt(r.stderr, 2)}</td><td>${esc(r.unit || "")}</td></tr>`).join("");
  const ea = t.series.filter((s) => s.Ea_eV != null).map((s) =>
    `<li>${esc(s.sample)}: E<sub>a</sub> = ${fmt(s.Ea_eV, 3)}${s.Ea_stderr_eV != null ? " ± " + fmt(s.Ea_stderr_eV, 2) : ""} eV (${esc(s.convention)})</li>`).join("");
  return `<div class="grid2"><div><div id="arrhenius" class="plot"></div></div>
    <div class="panel"><ul id="ea-list">${ea}</ul></div></div>
    <div class="panel"><table id="transport-table"><thead><tr><th>Sample</th><th>Method</th><th>T / °C</th><th>V / V</th><th>Quantity</th><th>Value</th><th>σ</th><th>Unit</th></tr></thead>
    <tbody>${rows}</tbody></table><div class="row"><button class="secondary" id="export-transport">Export CSV</button></div></div>`;
}

function dcHtml(dc) {
  if (!dc.transients.length && !dc.iv.length) return '<p class="muted" id="dc-empty">No DC polarisation results in the results database.</p>';
  const tr = tableHtml("dc-table", [["sample", "Sample"], ["label", "File"], ["voltage_V", "V / V"], ["t_ion", "t_ion"],
    ["t_ion_stderr", "σ(t_ion)", 2], ["I0_A", "I0 / A"], ["Is_A", "I_ss / A"], ["steady_state_reached", "steady"]], dc.transients, "/api/export/dc.csv");
  const iv = tableHtml("iv-table", [["sample", "Sample"], ["R_el_ohm", "R_el / Ω"], ["R_el_stderr_ohm", "σ(R_el)", 2],
    ["sigma_el_S_per_cm", "σ_el / S cm⁻¹"], ["r_squared", "R²", 5]], dc.iv, "/api/export/iv.csv");
  return `<div class="grid2"><div><div id="ca-plot" class="plot"></div>${tr}</div>
    <div><div id="iv-plot" class="plot"></div>${iv}</div></div>`;
}

export async function showTransport(view) {
  const [t, dc] = await Promise.all([get("/api/transport"), get("/api/dc")]);
  view.innerHTML = `<h2>Transport</h2>${arrheniusHtml(t)}<h3>DC polarisation</h3>${dcHtml(dc)}`;
  if (t.series.length) {
    const el = document.getElementById("arrhenius");
    plots.arrhenius(el, t.series);
    plots.exportButtons(el, "arrhenius");
    document.getElementById("export-transport").onclick = () => downloadCsv("/api/export/transport.csv", "transport.csv").catch((e) => toast(e.message));
  }
  if (dc.transients.length) plots.transients(document.getElementById("ca-plot"), dc.transients, "chronoamperometry");
  if (dc.iv.length) plots.iv(document.getElementById("iv-plot"), dc.iv, "iv");
  wireCsv(view);
}
