// Cycling view: voltage vs time and overpotential per cycle of each galvanostatic record, and the
// cyclic voltammograms (current vs potential) with their peaks; each table has its CSV.
import { esc, get, tableHtml, wireCsv } from "./api.js";
import * as plots from "./plots.js";

export async function showCycling(view) {
  const d = await get("/api/cycling");
  const parts = ["<h2>Cycling and voltammetry</h2>"];
  if (!d.cycling.length && !d.cv.length) parts.push('<p class="muted" id="cycling-empty">No cycling or CV results in the results database.</p>');
  d.cycling.forEach((r, i) => {
    parts.push(`<div class="panel cycling-record"><h3>${esc(r.sample)} · ${esc(r.label)}</h3>
      <div class="grid2"><div><div id="cycling-v-${i}" class="plot"></div></div><div><div id="cycling-eta-${i}" class="plot"></div></div></div>
      ${tableHtml(`cycling-table-${i}`, [["cycle", "Cycle"], ["time_h", "t / h"], ["plating_V", "η plating / V"],
        ["stripping_V", "η stripping / V"], ["polarisation_V", "polarisation / V"]], r.cycles, "/api/export/cycling.csv")}
      <div class="row"><button class="secondary csv-button" data-csv="/api/export/curves/${r.analysis_id}.csv">V(t) CSV</button></div></div>`);
  });
  d.cv.forEach((r, i) => {
    parts.push(`<div class="panel cv-record"><h3>CV ${esc(r.sample)} · ${esc(r.label)}</h3>
      <div class="grid2"><div><div id="cv-${i}" class="plot"></div></div><div>
      ${tableHtml(`cv-table-${i}`, [["scan", "Scan"], ["kind", "Peak"], ["potential_V", "E / V"], ["current_A", "I / A"],
        ["onset_V", "onset / V"]], r.peaks, "/api/export/cv.csv")}
      <div class="row"><button class="secondary csv-button" data-csv="/api/export/curves/${r.analysis_id}.csv">I(E) CSV</button></div></div></div></div>`);
  });
  view.innerHTML = parts.join("");
  d.cycling.forEach((r, i) => {
    plots.cycling(document.getElementById(`cycling-v-${i}`), r, `cycling-${r.sample}-${r.analysis_id}`);
    plots.overpotential(document.getElementById(`cycling-eta-${i}`), r, `overpotential-${r.sample}-${r.analysis_id}`);
  });
  d.cv.forEach((r, i) => plots.cv(document.getElementById(`cv-${i}`), r, `cv-${r.sample}-${r.analysis_id}`));
  wireCsv(view);
}
