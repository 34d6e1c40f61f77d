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
