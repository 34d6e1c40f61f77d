// Transport view: Arrhenius plots of several samples overlaid, and the transport table.
import { downloadCsv, esc, fmt, get, toast } from "./api.js";
import * as plots from "./plots.js";

export async function showTransport(view) {
  const t = await get("/api/transport");
  if (!t.series.length) {
    view.innerHTML = '<h2>Transport</h2><p class="muted" id="transport-empty">No conductivities in the results database yet.</p>';
    return;
  }
  const rows = t.table.map((r) => `<tr><td>${esc(r.sample)}</td><td>${esc(r.method)}</td>
    <td class="num">${r.temperature_K ? fmt(r.temperature_K - 273.15, 4) : "–"}</td><td>${esc(r.name)}</td>
    <td class="num">${fmt(r.value)}</td><td class="num">${fmt(r.stderr, 2)}</td><td>${esc(r.unit || "")}</td></tr>`).join("");
  const ea = t.series.filter((s) => s.Ea_eV != null).map((s) =>
    `<li>${esc(s.sample)}: E<sub>a</sub> = ${fmt(s.Ea_eV, 3)}${s.Ea_stderr_eV != null ? " ± " + fmt(s.Ea_stderr_eV, 2) : ""} eV (${esc(s.convention)})</li>`).join("");
  view.innerHTML = `<h2>Transport</h2>
    <div class="grid2"><div><div id="arrhenius" class="plot"></div></div>
    <div class="panel"><ul id="ea-list">${ea}</ul></div></div>
    <div class="panel"><table id="transport-table"><thead><tr><th>Sample</th><th>Method</th><th>T / °C</th><th>Quantity</th><th>Value</th><th>σ</th><th>Unit</th></tr></thead>
    <tbody>${rows}</tbody></table><div class="row"><button class="secondary" id="export-transport">Export CSV</button></div></div>`;
  const el = document.getElementById("arrhenius");
  plots.arrhenius(el, t.series);
  plots.exportButtons(el, "arrhenius");
  document.getElementById("export-transport").onclick = () => downloadCsv("/api/export/transport.csv", "transport.csv").catch((e) => toast(e.message));
}
