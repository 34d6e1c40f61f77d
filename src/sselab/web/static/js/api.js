// HTTP helpers: every API call carries the token (X-Sselab-Token) when the page was opened with ?token=.
const KEY = "sselab-token";
const fromUrl = new URLSearchParams(window.location.search).get("token");
if (fromUrl) sessionStorage.setItem(KEY, fromUrl);
const token = sessionStorage.getItem(KEY);

export class ApiError extends Error {
  constructor(status, detail) {
    super(typeof detail === "string" ? detail : (detail && detail.error) || JSON.stringify(detail));
    this.status = status;
    this.detail = detail;
  }
}

function headers(extra = {}) {
  return token ? { ...extra, "X-Sselab-Token": token } : extra;
}

async function handle(resp) {
  const type = resp.headers.get("content-type") || "";
  const body = type.includes("application/json") ? await resp.json() : await resp.text();
  if (!resp.ok) throw new ApiError(resp.status, body && body.detail !== undefined ? body.detail : body);
  return body;
}

export async function get(path) {
  return handle(await fetch(path, { headers: headers() }));
}

export async function post(path, data) {
  return handle(await fetch(path, {
    method: "POST", headers: headers({ "Content-Type": "application/json" }), body: JSON.stringify(data),
  }));
}

export async function upload(file, sample) {
  const form = new FormData();
  form.append("file", file, file.name);
  if (sample) form.append("sample", sample);
  return handle(await fetch("/api/upload", { method: "POST", headers: headers(), body: form }));
}

// Downloads a CSV export with the token header (a plain link could not send it).
export async function downloadCsv(path, filename) {
  const resp = await fetch(path, { headers: headers() });
  if (!resp.ok) throw new ApiError(resp.status, await resp.text());
  const url = URL.createObjectURL(await resp.blob());
  const a = Object.assign(document.createElement("a"), { href: url, download: filename });
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export function esc(text) {
  return String(text ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
}

export function fmt(x, digits = 4) {
  if (x === null || x === undefined || Number.isNaN(x)) return "–";
  if (typeof x !== "number") return esc(x);
  const a = Math.abs(x);
  return a !== 0 && (a < 1e-3 || a >= 1e5) ? x.toExponential(digits - 1) : Number(x.toPrecision(digits)).toString();
}

export function toast(text) {
  const el = document.getElementById("toast");
  el.textContent = text;
  el.style.display = "block";
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { el.style.display = "none"; }, 4000);
}

// A table (columns: [key, header, digits?]) and, when csv is given, its "CSV" download button.
export function tableHtml(id, columns, rows, csv) {
  const head = columns.map(([, h]) => `<th>${esc(h)}</th>`).join("");
  const body = rows.map((r) => `<tr>${columns.map(([k, , d]) => {
    const v = r[k];
    return typeof v === "number" ? `<td class="num">${fmt(v, d || 4)}</td>` : `<td>${esc(v ?? "–")}</td>`;
  }).join("")}</tr>`).join("");
  const button = csv ? `<div class="row"><button class="secondary csv-button" data-csv="${esc(csv)}">CSV</button></div>` : "";
  return `<table id="${esc(id)}"><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>${button}`;
}

// Wire every CSV button under root to its endpoint.
export function wireCsv(root) {
  root.querySelectorAll(".csv-button").forEach((b) => {
    b.onclick = () => downloadCsv(b.dataset.csv, b.dataset.csv.split("/").pop().split("?")[0]).catch((e) => toast(e.message));
  });
}

// Poll a background job until it is done; onProgress(job) sees each state (progress line, percent).
export async function pollJob(jobId, onProgress, intervalMs = 250) {
  for (;;) {
    const job = await get(`/api/jobs/${jobId}`);
    if (onProgress) onProgress(job);
    if (job.status === "done") return job;
    if (job.status === "error") throw new Error(job.error);
    if (job.status === "cancelled") throw new Error("cancelled");
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

// The HTML of a progress indicator for a job state.
export function progressHtml(job, barId) {
  const running = job.status === "queued" || job.status === "running";
  return `<progress id="${esc(barId)}" max="100" value="${Number(job.progress_percent) || 0}"></progress>
    <span class="progress-text">${esc(job.progress)} · ${fmt(job.progress_percent, 3)} % · ${job.elapsed_s.toFixed(1)} s</span>` +
    (running ? ` <button class="secondary cancel-job" data-job="${esc(job.id)}">Cancel</button>` : "");
}

// Any Cancel button of a job's progress line cancels that job (the poller then stops with "cancelled").
document.addEventListener("click", (ev) => {
  const b = ev.target.closest && ev.target.closest(".cancel-job");
  if (!b) return;
  b.disabled = true;
  post(`/api/jobs/${encodeURIComponent(b.dataset.job)}/cancel`, {}).catch((e) => toast(e.message));
});
