// DRT panel of the spectrum view: computed on request as a background job (progress shown),
// then γ(τ) with its peaks and the peaks table; PNG/SVG of the plot, CSV of peaks and γ(τ).
import { downloadCsv, esc, fmt, pollJob, post, progressHtml, toast } from "./api.js";
import * as plots from "./plots.js";

// points(): the page's points left out (mask, crop, inductive), sent with the request as for a fit
export function setupDrt(panel, m, points = () => ({})) {
  panel.innerHTML = `<h3>Distribution of relaxation times</h3>
    <div class="row drt-controls">
      <label>λ by <select id="drt-method"><option>auto</option><option>gcv</option><option>cgcv</option><option>rgcv</option><option>mgcv</option><option>lcurve</option></select></label>
      <label>blocking electrode <select id="drt-blocking"><option>auto</option><option>yes</option><option>no</option></select></label>
      <label>95 % band <select id="drt-band"><option value="auto">bias-aware (bootstrap if refits)</option><option value="posterior">posterior</option><option value="none">none</option></select></label>
      <label>bootstrap <input type="number" id="drt-bootstrap" min="0" max="200" value="0" style="width:5rem"></label>
      <button id="drt-btn">Compute DRT</button><span id="drt-progress"></span></div>
    <div id="drt-status" class="msg"></div>
    <div class="grid2"><div><div id="drt-plot" class="plot" hidden></div></div><div id="drt-table"></div></div>`;
  const $ = (id) => document.getElementById(id);
  $("drt-btn").onclick = async () => {
    const btn = $("drt-btn"), prog = $("drt-progress"), status = $("drt-status");
    btn.disabled = true;
    status.className = "msg";
    status.textContent = "";
    prog.innerHTML = '<span class="spinner"></span> submitting…';
    try {
      const { job_id } = await post("/api/drt", {
        measurement_id: m.id, method: $("drt-method").value, bootstrap: Number($("drt-bootstrap").value) || 0,
        blocking: $("drt-blocking").value, band: $("drt-band").value, ...points(),
      });
      const job = await pollJob(job_id, (j) => { prog.innerHTML = progressHtml(j, "drt-bar"); });
      const d = job.result.drt;
      const plot = $("drt-plot");
      plot.hidden = false;
      plots.drt(plot, d, `drt-${m.sample}-${m.id}`);
      const rows = d.peaks.map((p, i) => `<tr><td>${i + 1}</td><td class="num">${fmt(p.tau_s)}</td><td class="num">${fmt(p.frequency_Hz)}</td>
        <td class="num">${fmt(p.R_ohm)}</td><td class="num">${fmt(p.C_F)}</td></tr>`).join("");
      $("drt-table").innerHTML = `<table id="drt-peaks"><thead><tr><th>#</th><th>τ / s</th><th>f / Hz</th><th>R / Ω</th><th>C / F</th></tr></thead>
        <tbody>${rows}</tbody></table>
        <p class="muted">R<sub>∞</sub> = ${fmt(d.R_inf_ohm)} Ω, R<sub>pol</sub> = ${fmt(d.R_polarisation_ohm)} Ω, λ = ${fmt(d.lambda, 3)} (${esc(d.method)}),
        rms residual ${fmt(100 * d.rms_relative_residual, 3)} %</p>
        <div class="row"><button class="secondary" id="drt-peaks-csv">Peaks CSV</button><button class="secondary" id="drt-gamma-csv">γ(τ) CSV</button></div>`;
      $("drt-peaks-csv").onclick = () => downloadCsv(`/api/export/drt/${job_id}.csv`, `drt-peaks-${m.id}.csv`).catch((e) => toast(e.message));
      $("drt-gamma-csv").onclick = () => downloadCsv(`/api/export/drt/${job_id}/gamma.csv`, `drt-gamma-${m.id}.csv`).catch((e) => toast(e.message));
      status.className = "msg ok";
      status.textContent = `DRT: ${d.peaks.length} process(es)` + (d.warnings.length ? `\n${d.warnings.join("\n")}` : "");
    } catch (e) {
      status.className = "msg error";
      status.textContent = `DRT failed: ${e.message}`;
    } finally {
      prog.textContent = "";
      btn.disabled = false;
    }
  };
}
