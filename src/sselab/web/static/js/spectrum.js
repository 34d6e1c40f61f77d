// Spectrum view: Nyquist/Bode, circuit editor with live validation, parameter table, fit job,
// residuals, Kramers–Kronig, DRT (drt.js), save as accepted fit.  Non-spectrum measurements get an x–y plot.
import { downloadCsv, esc, fmt, get, pollJob, post, progressHtml, toast, wireCsv } from "./api.js";
import { setupAnalyse, showRegions } from "./analyse.js";
import { setupDrt } from "./drt.js";
import * as plots from "./plots.js";

const DEFAULT_CIRCUIT = "R0-p(R1,CPE1)-CPE2";

function debounce(fn, ms) {
  let t;
  return (...args) => { clearTimeout(t); t = setTimeout(() => fn(...args), ms); };
}

function savedFitHtml(fit) {
  if (!fit) return '<p class="muted" id="saved-none">No accepted fit yet.</p>';
  const r = fit.result || {};
  const rows = Object.entries(r.parameters || {}).map(([n, p]) =>
    `<tr><td>${esc(n)}</td><td class="num">${fmt(p.value)}</td><td class="num">${fmt(p.stderr, 2)}</td><td>${esc(p.unit || "")}</td></tr>`).join("");
  return `<p id="saved-summary">Accepted fit <code>${esc(r.circuit)}</code> by <b class="accepted-by">${esc(fit.accepted_by)}</b>
    at ${esc((fit.accepted_at || "").replace("T", " ").slice(0, 19))} UTC, χ² ${fmt(r.chi2)}</p>
    ${r.mask && r.mask.n_masked ? `<p class="muted" id="saved-mask">${esc(r.mask.summary)}: points ${r.mask.masked.map((p) => p.index).join(",")}</p>` : ""}
    <table class="saved-params"><thead><tr><th>Parameter</th><th>Value</th><th>σ</th><th>Unit</th></tr></thead><tbody>${rows}</tbody></table>
    <div class="row"><button class="secondary csv-button" data-csv="/api/export/fits/${fit.id}.csv">Accepted fit CSV</button></div>`;
}

// The stored SEM analysis: its headline numbers with units and the report's figures of it.
function showSemAnalysis(el, id, a) {
  const u = a.d50_um != null ? "um" : "px", unit = u === "um" ? "µm" : "px";
  const fig = (name, alt) => `<img class="sem-figure" id="sem-${name}" alt="${alt}" style="max-width:49%" src="/api/sem/${id}/figure/${name}.png">`;
  let head = "", figs = "";
  if (a.analysis === "particles") {
    head = `${a.n_particles} particles (${a.n_edge_excluded} at the border excluded): d10 ${fmt(a["d10_" + u], 3)} ${unit}, ` +
      `<b id="sem-d50">d50 ${fmt(a["d50_" + u], 3)} ${unit}</b>, d90 ${fmt(a["d90_" + u], 3)} ${unit}`;
    figs = fig("overlay", "segmentation over the micrograph") + fig("sizes", "size distribution");
  } else if (a.analysis === "layers") {
    head = "layers: " + (a.layers || []).map((l) => l.thickness_um != null ? `${fmt(l.thickness_um, 3)} µm` : `${fmt(l.thickness_px, 3)} px`)
      .join(", ");
    figs = fig("layers", "profile across the section");
  } else if (a.analysis === "porosity") {
    const se = a.pore_area_fraction_stderr != null && a.pore_area_fraction_stderr > 0 ? 100 * a.pore_area_fraction_stderr : null;
    const dec = se ? Math.max(0, 1 - Math.floor(Math.log10(se))) : 2;  // value to the digits of its ±
    const pm = se ? ` ± ${se.toFixed(dec)}` : "";
    head = `pore area fraction ${(100 * a.pore_area_fraction).toFixed(dec)}${pm} %, compactness ${(100 * a.compactness).toFixed(dec)}${pm} %` +
      (pm ? " (± field-to-field, 3 × 3 tiles)" : "");
    figs = fig("pores", "pores tinted on the micrograph");
  }
  const status = a.status && a.status !== "ok" ? ` <span class="status-${esc(a.status)}">${esc(a.status)}: ` +
    esc((a.reasons || []).map((r) => r.message).join("; ")) + "</span>" : "";
  el.innerHTML = `<h3>Stored analysis (${esc(a.analysis || "")})</h3><p id="sem-result">${head}${status}</p><div id="sem-figures" style="display:flex;gap:.6rem;align-items:flex-start">${figs}</div>`;
}

function showGeneric(view, m) {
  const names = Object.keys(m.arrays || {});
  const regions = (m.regions || []).length > 0;
  const sem = m.kind === "SEMImage";
  view.innerHTML = `<p><a href="#/">← Study</a></p><h2>${esc(m.sample)} · ${esc(m.display_path || m.path)}</h2>
    <p class="muted">${esc(m.kind)} (${esc(m.technique)})${m.reader ? "; read by " + esc(m.reader) : ""}</p>
    ${sem ? `<div id="sem"><p id="sem-pixel" class="muted"></p><div id="sem-analysis"></div><img id="sem-image" alt="SEM image" style="max-width:100%" src="/api/sem/${m.id}/image.png"></div>`
      : regions ? '<div id="regions"></div>' : names.length >= 2 ? '<div id="xy" class="plot"></div>' : "<p>No plottable arrays.</p>"}
    <div class="panel" id="analyse-panel"></div>`;
  const formReady = setupAnalyse(document.getElementById("analyse-panel"), m);
  if (sem) {
    get(`/api/sem/${m.id}`).then(async (s) => {
      document.getElementById("sem-pixel").textContent = `${s.shape_px[1]} × ${s.shape_px[0]} px; pixel ` +
        (s.pixel_size_um ? `${fmt(s.pixel_size_um * 1000, 4)} nm (${s.pixel_size_source})` : "size unknown: sizes in px");
      if (s.analysis) {
        showSemAnalysis(document.getElementById("sem-analysis"), m.id, s.analysis);
        const raw = document.getElementById("sem-image");  // the figures show it already: fold the raw one away
        const box = document.createElement("details");
        box.innerHTML = "<summary>micrograph as recorded</summary>";
        raw.replaceWith(box);
        box.appendChild(raw);
        await formReady;  // the form is written once its options arrive, which may be after this
        const pick = document.getElementById("an-sem");  // the form starts on the stored analysis
        if (pick && s.analysis.analysis) pick.value = s.analysis.analysis;
      }
    }).catch((e) => toast(e.message));
  } else if (regions) showRegions(document.getElementById("regions"), m);
  else if (names.length >= 2) {
    const el = document.getElementById("xy");
    plots.xy(el, m.arrays[names[0]], m.arrays[names[1]], names[0], names[1]);
    plots.exportButtons(el, `${m.sample}-${m.id}`);
  }
}

export async function showMeasurement(view, id) {
  const m = await get(`/api/measurements/${id}`);
  if (m.kind !== "Spectrum") return showGeneric(view, m);
  const state = { params: [], circuit: null, job: null, model: null, fitRes: null, kk: null, edited: new Set(), mask: new Set() };
  const accepted = m.accepted_fit;
  const stored = m.stored_fit;  // the accepted fit, else the pipeline's: the page opens on it
  const startCircuit = (stored && stored.circuit) || localStorage.getItem("sselab-circuit") || DEFAULT_CIRCUIT;
  const title = `${m.sample} · ${m.display_path || m.path}${m.item ? " #" + m.item : ""}`;
  view.innerHTML = `
    <p><a href="#/">← Study</a></p>
    <h2 id="spectrum-title">${esc(title)} <span class="muted">${m.temperature_K ? fmt(m.temperature_K - 273.15, 4) + " °C · " : ""}${m.frequency_Hz.length} points</span></h2>
    <div class="grid2">
      <div><div id="nyquist" class="plot"></div></div>
      <div><div id="bode" class="plot"></div></div>
    </div>
    <div class="grid2">
      <div class="panel">
        <h3>Circuit</h3>
        <div class="row"><input type="text" id="circuit" spellcheck="false" autocomplete="off" value="${esc(startCircuit)}">
          <select id="weighting"><option>modulus</option><option>proportional</option><option>unit</option></select></div>
        <div id="circuit-msg" class="msg"></div>
        <div class="row" id="points-row" title="Click a point, or box/lasso-select points (plot toolbar) on the Nyquist or Bode plot, to leave them out of the fit">
          <label>f min / Hz <input type="number" step="any" min="0" id="fmin" class="short"></label>
          <label>f max / Hz <input type="number" step="any" min="0" id="fmax" class="short"></label>
          <label><input type="checkbox" id="drop-inductive"> drop inductive</label>
          <button class="secondary" id="mask-clear">Use all points</button></div>
        <div id="mask-info" class="msg muted"></div>
        <table class="params" id="params"><thead><tr><th>Parameter</th><th>Value</th><th>Min</th><th>Max</th><th>Fix</th><th>Fitted ± σ</th></tr></thead><tbody></tbody></table>
        <div class="row">
          <button id="fit-btn">Fit</button><button class="secondary" id="auto-btn">Automatic initial values</button>
          <span id="fit-progress"></span>
        </div>
        <div id="fit-status" class="msg"></div>
        <div class="row"><label>Your name <input type="text" id="user" maxlength="200" value="${esc(localStorage.getItem("sselab-user") || "")}"></label>
          <button id="save-btn" disabled>Save as accepted fit</button>
          <button class="secondary" id="export-fit" disabled>Fit CSV</button></div>
        <div id="save-status" class="msg"></div>
      </div>
      <div class="panel">
        <h3>Residuals and Kramers–Kronig</h3>
        <div id="residuals" class="plot small"></div>
        <div id="kk-result" class="msg muted">KK test running…</div>
        <h3>Accepted fit</h3><div id="saved-fit">${savedFitHtml(accepted)}</div>
        <div class="row"><button class="secondary" id="export-data">Data CSV</button></div>
      </div>
    </div>
    <div class="panel" id="drt-panel"></div>`;

  const $ = (sel) => document.getElementById(sel);
  const nyq = $("nyquist"), bod = $("bode"), res = $("residuals");
  // -- points left out: the user's mask (click / box / lasso on either plot), the frequency crop and
  // inductive points; drawn hollow here, decided for the fit by the server (sselab.eis.mask.select)
  const nPts = m.frequency_Hz.length;
  const num = (id) => { const v = $(id).value; return v === "" ? null : Number(v); };
  function points() {
    return { mask: [...state.mask].sort((a, b) => a - b), f_min_Hz: num("fmin"), f_max_Hz: num("fmax"),
      drop_inductive: $("drop-inductive").checked };
  }
  function hollow() {
    const p = points();
    return m.frequency_Hz.map((f, i) => state.mask.has(i) || (p.f_min_Hz !== null && f < p.f_min_Hz) ||
      (p.f_max_Hz !== null && f > p.f_max_Hz) || (p.drop_inductive && m.z_imag_ohm[i] > 0));
  }
  const redraw = () => {
    const h = hollow();
    plots.nyquist(nyq, m, state.model, h);
    plots.bode(bod, m, state.model, h);
    const n = h.filter(Boolean).length, info = $("mask-info");
    info.dataset.hollow = String(n);
    info.textContent = n ? `${n} of ${nPts} points left out` + (state.mask.size ? `; masked by hand: ${points().mask.join(",")}` : "") +
      " (refit to apply)" : "All points used. Click or box/lasso-select points on a plot to leave them out.";
  };
  redraw();
  // data points carry their index in the file as customdata (model curves carry none)
  for (const el of [nyq, bod]) {
    el.on("plotly_click", (ev) => {
      const pt = (ev.points || []).find((p) => Number.isInteger(p.customdata));
      if (!pt) return;
      if (state.mask.has(pt.customdata)) state.mask.delete(pt.customdata); else state.mask.add(pt.customdata);
      redraw();
    });
    el.on("plotly_selected", (ev) => {
      const picked = ((ev && ev.points) || []).filter((p) => Number.isInteger(p.customdata));
      if (!picked.length) return;
      picked.forEach((p) => state.mask.add(p.customdata));
      redraw();
    });
  }
  for (const id of ["fmin", "fmax", "drop-inductive"]) $(id).addEventListener("change", redraw);
  $("mask-clear").onclick = () => {
    state.mask.clear(); $("fmin").value = ""; $("fmax").value = ""; $("drop-inductive").checked = false; redraw();
  };
  plots.residuals(res, null, null);
  plots.exportButtons(nyq, `nyquist-${m.sample}-${m.id}`);
  plots.exportButtons(bod, `bode-${m.sample}-${m.id}`);
  plots.exportButtons(res, `residuals-${m.sample}-${m.id}`);
  $("export-data").onclick = () => downloadCsv(`/api/export/measurements/${m.id}.csv`, `data-${m.sample}-${(m.display_path || "").split("/").pop()}.csv`.replace(/[^\w.-]+/g, "_")).catch((e) => toast(e.message));
  wireCsv($("saved-fit"));

  get(`/api/kk/${m.id}`).then((kk) => {
    state.kk = kk;
    $("kk-result").className = "msg " + (kk.passed ? "ok" : "error");
    $("kk-result").textContent = `KK ${kk.passed ? "passed" : "failed"}: max residual ${fmt(kk.max_residual_percent, 3)} % ` +
      `(threshold ${fmt(100 * kk.threshold, 2)} %), ${kk.n_elements} Voigt elements`;
    plots.residuals(res, state.fitRes, kk);
  }).catch((e) => { $("kk-result").className = "msg error"; $("kk-result").textContent = `KK: ${e.message}`; });

  // -- parameter table ------------------------------------------------------------------
  const tbody = $("params").querySelector("tbody");
  function renderParams() {
    tbody.innerHTML = state.params.map((p, i) => `<tr data-param="${esc(p.name)}">
      <td>${esc(p.name)} <span class="muted">${esc(p.unit)}</span></td>
      <td><input type="number" step="any" class="p-value" data-i="${i}" value="${p.value == null ? "" : Number(p.value.toPrecision(7))}"></td>
      <td><input type="number" step="any" class="p-min" data-i="${i}" value="${p.min ?? ""}"></td>
      <td><input type="number" step="any" class="p-max" data-i="${i}" value="${p.max ?? ""}" placeholder="∞"></td>
      <td><input type="checkbox" class="p-fixed" data-i="${i}" ${p.fixed ? "checked" : ""}></td>
      <td class="num p-fitted">${p.fitted === undefined ? "–" : fmt(p.fitted) + (p.stderr != null ? " ± " + fmt(p.stderr, 2) : "")}</td></tr>`).join("");
  }
  tbody.addEventListener("input", (e) => {
    const i = Number(e.target.dataset.i);
    const p = state.params[i];
    if (!p) return;
    const v = e.target.value === "" ? null : Number(e.target.value);
    if (e.target.classList.contains("p-value")) { p.value = v; state.edited.add(p.name); previewSoon(); }
    if (e.target.classList.contains("p-min")) p.min = v;
    if (e.target.classList.contains("p-max")) p.max = v;
    if (e.target.classList.contains("p-fixed")) p.fixed = e.target.checked;
  });

  let previewSeq = 0;
  async function preview() {
    if (!state.circuit || state.params.some((p) => p.value === null || !Number.isFinite(p.value))) return;
    const mine = ++previewSeq;  // only the latest request may draw (an older answer arriving late would not match the table)
    const values = Object.fromEntries(state.params.map((p) => [p.name, p.value]));
    try {
      const z = await post("/api/circuit/preview", { circuit: state.circuit, values, measurement_id: m.id });
      if (mine !== previewSeq) return;
      state.model = { ...z, name: state.job ? "fit" : "model" };
      redraw();
    } catch (e) { /* an incomplete value set is shown by the table itself */ }
  }
  const previewSoon = debounce(preview, 120);

  // -- circuit validation as you type -----------------------------------------------------
  const input = $("circuit"), msg = $("circuit-msg");
  let seq = 0;
  let opening = true;  // while the page opens on a stored fit, the automatic start is not drawn
  async function validate(resetValues) {
    const mine = ++seq;
    const text = input.value;
    let r;
    try { r = await post("/api/circuit/validate", { circuit: text, measurement_id: m.id }); }
    catch (e) { if (mine === seq) { msg.className = "msg error"; msg.textContent = e.message; } return; }
    if (mine !== seq) return;
    if (!r.ok) {
      input.classList.add("invalid");
      msg.className = "msg error";
      msg.textContent = `${r.message}\n${text}\n${" ".repeat(r.position)}^ column ${r.position + 1}`;
      $("fit-btn").disabled = true;
      return;
    }
    input.classList.remove("invalid");
    msg.className = "msg ok";
    msg.textContent = `✓ ${r.circuit}: ${r.parameters.length} parameters`;
    $("fit-btn").disabled = false;
    const old = Object.fromEntries(state.params.map((p) => [p.name, p]));
    state.circuit = r.circuit;
    state.params = r.parameters.map((p) => {
      const prev = old[p.name];
      if (prev && !resetValues) return prev;
      return { ...p, value: r.initial ? r.initial[p.name] : null, fixed: false, defaultMin: p.min, defaultMax: p.max };
    });
    state.edited = new Set([...state.edited].filter((n) => r.parameters.some((p) => p.name === n)));
    if (resetValues) state.edited.clear();
    renderParams();
    localStorage.setItem("sselab-circuit", r.circuit);
    if (!opening) preview();
  }
  input.addEventListener("input", debounce(() => validate(false), 150));
  $("auto-btn").onclick = () => validate(true);

  // -- fit job -----------------------------------------------------------------------------
  async function runFit() {
    const btn = $("fit-btn"), prog = $("fit-progress"), status = $("fit-status");
    const fixed = {}, initial = {}, bounds = {};
    for (const p of state.params) {
      if (p.fixed) fixed[p.name] = p.value;
      else if (state.edited.has(p.name) && p.value !== null) initial[p.name] = p.value;
      if (p.min !== p.defaultMin || p.max !== p.defaultMax) bounds[p.name] = [p.min ?? 0, p.max ?? 1e300];
    }
    btn.disabled = true;
    $("save-btn").disabled = true;
    status.className = "msg";
    status.textContent = "";
    prog.innerHTML = '<span class="spinner"></span> <span id="fit-elapsed">submitting…</span>';
    try {
      const { job_id } = await post("/api/fit", {
        measurement_id: m.id, circuit: state.circuit, weighting: $("weighting").value, initial, fixed, bounds, ...points(),
      });
      const job = await pollJob(job_id, (j) => {
        const el = document.getElementById("fit-elapsed");
        if (el) el.innerHTML = progressHtml(j, "fit-bar");
      });
      const fit = job.result.fit;
      state.job = job_id;
      for (const p of state.params) {
        const e = fit.parameters[p.name];
        p.fitted = e.value;
        p.stderr = e.stderr;
        p.value = e.value;
      }
      renderParams();
      state.fitRes = job.result.residuals;
      state.model = { ...job.result.predicted, name: "fit" };
      redraw();
      plots.residuals(res, state.fitRes, state.kk);
      const verdict = fit.status || (fit.success ? "ok" : "failed");
      status.className = "msg " + ({ ok: "ok", warning: "warn", failed: "error" }[verdict] || "error");
      status.dataset.status = verdict;
      const reasons = (fit.reasons || []).map((r) => `${r.severity}: ${r.message}`);
      const left = (fit.mask && fit.mask.masked) || [];
      status.dataset.masked = left.map((p) => p.index).join(",");
      status.textContent = `fit ${verdict}: χ² ${fmt(fit.chi2)}, rms residual ${fmt(fit.residuals_rms_percent, 3)} %` +
        (fit.mask ? `\n${fit.mask.summary}` + (left.length ? `: points ${left.map((p) => p.index).join(",")}` : "") : "") +
        (reasons.length ? `\n${reasons.join("\n")}` : "") + (fit.warnings.length ? `\n${fit.warnings.join("\n")}` : "");
      $("save-btn").disabled = verdict === "failed";
      $("save-btn").title = verdict === "failed" ? "A failed fit cannot be accepted: change the circuit or the start values" : "";
      $("export-fit").disabled = false;
    } catch (e) {
      status.className = "msg error";
      status.textContent = `fit failed: ${e.message}`;
    } finally {
      prog.textContent = "";
      btn.disabled = false;
    }
  }
  $("fit-btn").onclick = runFit;
  $("export-fit").onclick = () => downloadCsv(`/api/export/fit/${state.job}.csv`, `fit-${m.sample}-${(m.display_path || "").split("/").pop()}-${state.circuit}.csv`.replace(/[^\w.-]+/g, "_")).catch((e) => toast(e.message));

  $("save-btn").onclick = async () => {
    const user = $("user").value.trim();
    const out = $("save-status");
    if (!user) { out.className = "msg error"; out.textContent = "enter your name first"; return; }
    localStorage.setItem("sselab-user", user);
    try {
      const r = await post(`/api/results/${m.id}/accept`, { job_id: state.job, user });
      out.className = "msg ok";
      out.textContent = `saved as the accepted fit (analysis ${r.analysis_id}) by ${r.accepted_by}`;
      const fresh = await get(`/api/measurements/${m.id}`);
      $("saved-fit").innerHTML = savedFitHtml(fresh.accepted_fit);
      wireCsv($("saved-fit"));
    } catch (e) { out.className = "msg error"; out.textContent = `save failed: ${e.message}`; }
  };

  setupDrt($("drt-panel"), m, points);
  await validate(true);
  opening = false;
  if (stored && stored.parameters && stored.circuit === state.circuit) {
    for (const p of state.params) {
      const e = stored.parameters[p.name];
      if (e) { p.value = e.value; p.fitted = e.value; p.stderr = e.stderr; }
    }
    if (stored.weighting) $("weighting").value = stored.weighting;
    const ms = stored.mask && stored.mask.settings;
    if (ms) {
      state.mask = new Set(ms.mask || []);
      $("fmin").value = ms.f_min_Hz ?? ""; $("fmax").value = ms.f_max_Hz ?? ""; $("drop-inductive").checked = !!ms.drop_inductive;
      redraw();
    }
    renderParams();
    const st = $("fit-status");
    st.className = "msg " + ({ ok: "ok", warning: "warn", failed: "error" }[stored.status] || "ok");
    st.dataset.status = stored.status || "ok";
    st.textContent = `${stored.accepted ? "accepted" : "stored"} fit (${stored.status || "ok"}): χ² ${fmt(stored.chi2)}` +
      (stored.residuals_rms_percent != null ? `, rms residual ${fmt(stored.residuals_rms_percent, 3)} %` : "") +
      (stored.mask ? `\n${stored.mask.summary}` : "") +
      ((stored.reasons || []).length ? "\n" + stored.reasons.map((r) => `${r.severity}: ${r.message}`).join("\n") : "");
  }
  await preview();
}
