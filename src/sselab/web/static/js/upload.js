// Drag-and-drop upload: each file goes to /api/upload; reader errors are shown as the CLI prints them.
import { upload } from "./api.js";

export function setupUpload(onDone) {
  const zone = document.getElementById("dropzone");
  const input = document.getElementById("file-input");
  const msg = document.getElementById("upload-msg");
  const sample = document.getElementById("upload-sample");

  async function send(files) {
    const lines = [];
    let ok = 0;
    msg.className = "msg";
    msg.innerHTML = '<span class="spinner"></span> uploading…';
    for (const file of files) {
      try {
        const res = await upload(file, sample.value.trim());
        ok += 1;
        lines.push(`${res.file}: ${res.measurements.length} ${res.kind} measurement(s) added`);
      } catch (err) {
        lines.push(`error: ${err.message}`);
      }
    }
    msg.textContent = lines.join("\n");
    msg.className = ok === files.length ? "msg ok" : "msg error";
    if (ok) setTimeout(() => { if (onDone) onDone().then(() => {
      const again = document.getElementById("upload-msg");
      if (again) { again.textContent = lines.join("\n"); again.className = msg.className; }
    }); }, 0);
  }

  zone.addEventListener("dragover", (e) => { e.preventDefault(); zone.classList.add("over"); });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", (e) => {
    e.preventDefault();
    zone.classList.remove("over");
    if (e.dataTransfer && e.dataTransfer.files.length) send([...e.dataTransfer.files]);
  });
  input.addEventListener("change", () => { if (input.files.length) send([...input.files]); input.value = ""; });
}
