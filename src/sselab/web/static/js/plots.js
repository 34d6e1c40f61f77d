// Plotly figures: Nyquist (equal axes, −Z'' up), Bode, residuals, Arrhenius; PNG/SVG export.
const CONFIG = { responsive: true, displaylogo: false, scrollZoom: true };
const FONT = { family: "system-ui, sans-serif", size: 12 };

export function nyquist(el, data, model) {
  const traces = [{
    x: data.z_real_ohm, y: data.z_imag_ohm.map((v) => -v), mode: "markers", name: "data",
    text: data.frequency_Hz.map((f) => `${f.toPrecision(3)} Hz`), marker: { size: 6, color: "#2459c7" },
  }];
  if (model) traces.push({ x: model.z_real_ohm, y: model.z_imag_ohm.map((v) => -v), mode: "lines", name: model.name || "model", line: { color: "#d9480f" } });
  const layout = {
    font: FONT, margin: { l: 70, r: 20, t: 30, b: 50 }, title: { text: "Nyquist", font: { size: 13 } },
    xaxis: { title: { text: "Z′ / Ω" }, zeroline: true },
    yaxis: { title: { text: "−Z″ / Ω" }, scaleanchor: "x", scaleratio: 1, zeroline: true },
    legend: { x: 0.01, y: 0.99 },
  };
  return Plotly.react(el, traces, layout, CONFIG);
}

function modPhase(re, im) {
  return { mod: re.map((r, i) => Math.hypot(r, im[i])), phase: re.map((r, i) => (Math.atan2(im[i], r) * 180) / Math.PI) };
}

export function bode(el, data, model) {
  const d = modPhase(data.z_real_ohm, data.z_imag_ohm);
  const traces = [
    { x: data.frequency_Hz, y: d.mod, mode: "markers", name: "|Z|", marker: { size: 5, color: "#2459c7" } },
    { x: data.frequency_Hz, y: d.phase.map((p) => -p), mode: "markers", name: "−phase", yaxis: "y2", marker: { size: 5, symbol: "square-open", color: "#7c3aed" } },
  ];
  if (model) {
    const m = modPhase(model.z_real_ohm, model.z_imag_ohm);
    traces.push({ x: model.frequency_Hz, y: m.mod, mode: "lines", name: "|Z| model", line: { color: "#d9480f" } });
    traces.push({ x: model.frequency_Hz, y: m.phase.map((p) => -p), mode: "lines", name: "−phase model", yaxis: "y2", line: { color: "#d9480f", dash: "dot" } });
  }
  const layout = {
    font: FONT, margin: { l: 70, r: 60, t: 30, b: 50 }, title: { text: "Bode", font: { size: 13 } },
    xaxis: { type: "log", title: { text: "f / Hz" } }, yaxis: { type: "log", title: { text: "|Z| / Ω" } },
    yaxis2: { overlaying: "y", side: "right", title: { text: "−phase / °" } }, legend: { x: 0.7, y: 0.99 },
  };
  return Plotly.react(el, traces, layout, CONFIG);
}

export function residuals(el, fitRes, kk) {
  const traces = [];
  if (fitRes) {
    traces.push({ x: fitRes.frequency_Hz, y: fitRes.real.map((v) => 100 * v), mode: "lines+markers", name: "fit Δ′", marker: { size: 4 } });
    traces.push({ x: fitRes.frequency_Hz, y: fitRes.imag.map((v) => 100 * v), mode: "lines+markers", name: "fit Δ″", marker: { size: 4 } });
  }
  if (kk) {
    traces.push({ x: kk.frequency_Hz, y: kk.residuals_real.map((v) => 100 * v), mode: "lines", name: "KK Δ′", line: { dash: "dot" } });
    traces.push({ x: kk.frequency_Hz, y: kk.residuals_imag.map((v) => 100 * v), mode: "lines", name: "KK Δ″", line: { dash: "dot" } });
  }
  const layout = {
    font: FONT, margin: { l: 60, r: 20, t: 30, b: 70 }, title: { text: "Residuals (% of |Z|)", font: { size: 13 } },
    xaxis: { type: "log", title: { text: "f / Hz" } }, yaxis: { title: { text: "Δ / %" }, zeroline: true },
    legend: { orientation: "h", x: 0, y: -0.3 },
  };
  return Plotly.react(el, traces, layout, CONFIG);
}

export function xy(el, x, y, xname, yname) {
  return Plotly.react(el, [{ x, y, mode: "lines", name: yname }], {
    font: FONT, margin: { l: 70, r: 20, t: 20, b: 50 }, xaxis: { title: { text: xname } }, yaxis: { title: { text: yname } },
  }, CONFIG);
}

export function arrhenius(el, series) {
  const traces = [];
  series.forEach((s, i) => {
    const color = `hsl(${(i * 137) % 360}, 65%, 42%)`;
    traces.push({ x: s.temperature_K.map((t) => 1000 / t), y: s.sigma_S_per_cm, mode: "markers", name: s.sample, marker: { color, size: 8 } });
    if (s.line) traces.push({ x: s.line.temperature_K.map((t) => 1000 / t), y: s.line.sigma_S_per_cm, mode: "lines", name: `${s.sample} fit`, line: { color }, showlegend: false });
  });
  return Plotly.react(el, traces, {
    font: FONT, margin: { l: 80, r: 20, t: 30, b: 50 }, title: { text: "Arrhenius", font: { size: 13 } },
    xaxis: { title: { text: "1000 / T  (K⁻¹)" } }, yaxis: { type: "log", title: { text: "σ / S cm⁻¹" }, exponentformat: "power" },
  }, CONFIG);
}

export function exportButtons(el, name) {
  const wrap = document.createElement("div");
  wrap.className = "row";
  for (const format of ["png", "svg"]) {
    const b = document.createElement("button");
    b.className = "secondary export-" + format;
    b.textContent = format.toUpperCase();
    b.title = `Download the ${name} plot as ${format.toUpperCase()}`;
    b.addEventListener("click", () => Plotly.downloadImage(el, { format, filename: name, width: 900, height: 600 }));
    wrap.appendChild(b);
  }
  el.after(wrap);
}
