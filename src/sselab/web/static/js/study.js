// Study view: samples × measurements with status, click through; upload panel; CSV export.
import { downloadCsv, esc, fmt, get, toast } from "./api.js";
import { setupUpload } from "./upload.js";

export async function showStudy(view) {
  const study = await get("/api/study");
  document.getElementById("study-name").textContent = `${study.study} · ${study.database}`;
  const rows = [];
  for (const s of study.samples) {
    s.measurements.forEach((m, i) => {
      const shown = m.display_path || m.path;
      const name = m.item ? `${shown} #${m.item}` : shown;
      const accepted = m.analyses.find((a) => a.accepted);
      rows.push(`<tr data-measurement="${m.id}">
        ${i === 0 ? `<td rowspan="${s.measurements.length}"><b>${esc(s.name)}</b><div class="muted">${esc(s.treatment || "")}</div></td>` : ""}
        <td><a class="measurement-link" href="#/m/${m.id}">${esc(name)}</a></td>
        <td>${esc(m.technique)}</td>
        <td class="num">${m.temperature_K ? fmt(m.temperature_K - 273.15, 4) + " °C" : "–"}</td>
        <td><span class="badge ${esc(m.status)}">${esc(m.status)}</span>
            ${m.reading_verdict && m.reading_verdict.status !== "ok" ? `<span class="badge reading-${esc(m.reading_verdict.status)}" title="${esc(m.reading_verdict.reasons.map((r) => r.message).join("\n"))}">read: ${esc(m.reading_verdict.status)}</span>` : ""}
            ${accepted ? `<span class="muted">by ${esc(accepted.accepted_by)}</span>` : ""}</td>
      </tr>`);
    });
  }
  view.innerHTML = `
    <h2>Study <span class="muted">${esc(study.study)}</span></h2>
    <div class="panel">
      ${rows.length ? `<table id="study-table"><thead><tr><th>Sample</th><th>Measurement</th><th>Technique</th><th>T</th><th>Status</th></tr></thead>
      <tbody>${rows.join("")}</tbody></table>` : `<p class="muted" id="study-empty">No measurements yet: drop instrument files below.</p>`}
      <div class="row"><button class="secondary" id="export-study">Export CSV</button>
      <button class="secondary" id="export-results">All results CSV</button></div>
    </div>
    <div class="panel"><h3>Add measurements</h3>
      <div class="row"><label>Sample <input type="text" id="upload-sample" value="${esc(sessionStorage.getItem("sselab-upload-sample") || "uploads")}" maxlength="100"></label></div>
      <div id="dropzone">Drop instrument files here, or <label><u>choose files</u>
        <input type="file" id="file-input" multiple hidden></label></div>
      <div id="upload-msg" class="msg"></div>
    </div>`;
  document.getElementById("export-study").onclick = () => downloadCsv("/api/export/study.csv", "study.csv").catch((e) => toast(e.message));
  document.getElementById("export-results").onclick = () => downloadCsv("/api/export/results.csv", "results.csv").catch((e) => toast(e.message));
  setupUpload(() => showStudy(view));
}
