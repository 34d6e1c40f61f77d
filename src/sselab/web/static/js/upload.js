// Drag-and-drop upload: each file goes to /api/upload; reader errors are shown as the CLI prints them.
import { pollJob, post, upload } from "./api.js";

// Records whose analysis needs no choices are analysed at once (the pipeline's defaults), so
// they appear in their views; XRD (phases) and XPS (components) open a form on their page.
const AUTO = new Set(["transient", "galvanostatic", "voltammogram"]);

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
        sessionStorage.setItem("sselab-upload-sample", sample.value.trim());
        let line = `${res.file}: ${res.measurements.length} ${res.kind} measurement(s) added`;
        for (const m of res.measurements) {  // a partly read file (rows dropped...) says so
          for (const r of (m.reading && m.reading.reasons) || []) line += `\n  ${r.severity}: ${r.message}`;
        }
        if (AUTO.has(res.kind)) {
          const done = [];
          for (const m of res.measurements) {
            try {
              const { job_id } = await post("/api/analyse", { measurement_id: m.id, settings: {} });
              const job = await pollJob(job_id, () => {});
              done.push(job.result.status);
            } catch (err) { done.push(`not analysed (${err.message})`); }
          }
          line += `; analysed: ${done.join(", ")}`;
        }
        lines.push(line);
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
