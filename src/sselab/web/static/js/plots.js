// Plotly figures: Nyquist (equal axes, −Z'' up), Bode, residuals, Arrhenius, DRT, DC, cycling, CV,
// XRD, XPS; PNG/SVG export (Plotly's own toImage, which works offline).
const CONFIG = { responsive: true, displaylogo: false, scrollZoom: true, toImageButtonOptions: { format: "png", scale: 2 } };
const FONT = { family: "system-ui, sans-serif", size: 12 };

// the tool chosen in the toolbar (zoom, pan, box/lasso select) survives a redraw
const keptDragmode = (el) => (el.layout && el.layout.dragmode) || "zoom";
// hollow: optional per-point booleans, the points left out of the fit: drawn open in a trace of
// their own ("… left out"); every data point carries its index in the file as customdata
function pointTraces(x, y, text, hollow, base, name) {
  const idx = x.map((_, i) => i);
  const pick = (keep) => idx.filter((i) => !!(hollow && hollow[i]) !== keep);
  const trace = (ids, left) => ({
    x: ids.map((i) => x[i]), y: ids.map((i) => y[i]), text: ids.map((i) => text[i]), customdata: ids,
    mode: "markers", name: left ? `${name} left out` : name, showlegend: !left || ids.length > 0, ...base,
    marker: { ...base.marker, symbol: left ? `${base.marker.symbol}-open` : base.marker.symbol },
  });
  return [trace(pick(true), false), trace(pick(false), true)];
}

export function nyquist(el, data, model, hollow) {
  const traces = pointTraces(data.z_real_ohm, data.z_imag_ohm.map((v) => -v),
    data.frequency_Hz.map((f, i) => `#${i} · ${f.toPrecision(3)} Hz`), hollow,
    { marker: { size: 6, color: "#2459c7", symbol: "circle" } }, "data");
  if (model) traces.push({ x: model.z_real_ohm, y: model.z_imag_ohm.map((v) => -v), mode: "lines", name: model.name || "model", line: { color: "#d9480f" } });
  const layout = {
    font: FONT, margin: { l: 70, r: 20, t: 30, b: 50 }, title: { text: "Nyquist", font: { size: 13 } },
    xaxis: { title: { text: "Z′ / Ω" }, zeroline: true, constrain: "domain" },
    // equal Ω per pixel on both axes; the box shrinks to the data instead of the axis growing empty
    yaxis: { title: { text: "−Z″ / Ω" }, scaleanchor: "x", scaleratio: 1, zeroline: true, constrain: "domain" },
    legend: { x: 0.01, y: 0.99 }, dragmode: keptDragmode(el),
  };
  return Plotly.react(el, traces, layout, CONFIG);
}

function modPhase(re, im) {
  return { mod: re.map((r, i) => Math.hypot(r, im[i])), phase: re.map((r, i) => (Math.atan2(im[i], r) * 180) / Math.PI) };
}

export function bode(el, data, model, hollow) {
  const d = modPhase(data.z_real_ohm, data.z_imag_ohm);
  const text = data.frequency_Hz.map((f, i) => `#${i}`);
  const traces = [
    ...pointTraces(data.frequency_Hz, d.mod, text, hollow, { marker: { size: 5, color: "#2459c7", symbol: "circle" } }, "|Z|"),
    ...pointTraces(data.frequency_Hz, d.phase.map((p) => -p), text, hollow,
      { yaxis: "y2", marker: { size: 5, color: "#7c3aed", symbol: "square" } }, "−phase"),
  ];
  if (model) {
    const m = modPhase(model.z_real_ohm, model.z_imag_ohm);
    traces.push({ x: model.frequency_Hz, y: m.mod, mode: "lines", name: "|Z| model", line: { color: "#d9480f" } });
    traces.push({ x: model.frequency_Hz, y: m.phase.map((p) => -p), mode: "lines", name: "−phase model", yaxis: "y2", line: { color: "#d9480f", dash: "dot" } });
  }
  // −phase on a linear axis with ticks every 15° (30° for wide ranges), its range holding every
  // point and the model's peak (Plotly would otherwise sync it to the log |Z| grid: irregular ticks)
  const allPhase = traces.filter((t) => t.yaxis === "y2").flatMap((t) => t.y).filter(Number.isFinite);
  const lo = Math.min(0, 15 * Math.floor(Math.min(...allPhase) / 15));
  const hi = Math.max(15, 15 * Math.ceil((Math.max(...allPhase) + 3) / 15));
  const layout = {
    font: FONT, margin: { l: 70, r: 60, t: 30, b: 90 }, title: { text: "Bode", font: { size: 13 } },
    xaxis: { type: "log", title: { text: "f / Hz" } }, yaxis: { type: "log", title: { text: "|Z| / Ω" } },
    yaxis2: { overlaying: "y", side: "right", title: { text: "−phase / °" }, type: "linear", range: [lo, hi],
      tickmode: "linear", tick0: 0, dtick: hi - lo > 90 ? 30 : 15, showgrid: false },
    legend: { orientation: "h", x: 0, y: -0.22 }, dragmode: keptDragmode(el),  // below: never over the points
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
  wrap.className = "row export-row";
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

const color = (i) => `hsl(${(i * 137) % 360}, 65%, 42%)`;
const layoutOf = (title, x, y, extra = {}) => ({
  font: FONT, margin: { l: 80, r: 20, t: 30, b: 50 }, title: { text: title, font: { size: 13 } },
  xaxis: { title: { text: x } }, yaxis: { title: { text: y }, exponentformat: "power" }, legend: { x: 0.01, y: 0.99 }, ...extra,
});

// Draw a figure and add its PNG/SVG buttons (once per element).
export function draw(el, traces, layout, name) {
  const p = Plotly.react(el, traces, layout, CONFIG);
  if (!el.nextElementSibling || !el.nextElementSibling.classList.contains("export-row")) exportButtons(el, name);
  return p;
}

export function drt(el, d, name) {
  const traces = [{ x: d.tau_s, y: d.gamma_ohm, mode: "lines", name: "γ(τ)", line: { color: "#2459c7" } }];
  if (d.gamma_lower_ohm) {
    traces.push({ x: d.tau_s, y: d.gamma_upper_ohm, mode: "lines", line: { width: 0 }, showlegend: false, hoverinfo: "skip" });
    traces.push({ x: d.tau_s, y: d.gamma_lower_ohm, mode: "lines", fill: "tonexty", name: d.band === "bootstrap" ? `95 % bootstrap (${d.n_bootstrap})` : `95 % ${d.band} band`, line: { width: 0 }, fillcolor: "rgba(36,89,199,.2)" });
  }
  traces.push({ x: d.peaks.map((p) => p.tau_s), y: d.peaks.map((p) => interp(d.tau_s, d.gamma_ohm, p.tau_s)), mode: "markers", name: "peaks", marker: { color: "#d9480f", size: 9, symbol: "x" } });
  return draw(el, traces, layoutOf("Distribution of relaxation times", "τ / s", "γ / Ω", { xaxis: { type: "log", title: { text: "τ / s" } } }), name);
}

function interp(xs, ys, x) {
  let best = 0;
  xs.forEach((v, i) => { if (Math.abs(Math.log(v / x)) < Math.abs(Math.log(xs[best] / x))) best = i; });
  return ys[best];
}

export function transients(el, items, name) {
  const traces = items.filter((t) => t.curves).map((t, i) => ({
    x: t.curves.time_s, y: t.curves.current_A, mode: "lines", name: `${t.sample} ${t.voltage_V ?? ""} V`, line: { color: color(i) },
  }));
  return draw(el, traces, layoutOf("Chronoamperometry", "t / s", "I / A"), name);
}

export function iv(el, lines, name) {
  const traces = [];
  lines.forEach((l, i) => {
    traces.push({ x: l.points.map((p) => p.voltage_V), y: l.points.map((p) => p.current_A), mode: "markers", name: `${l.sample} I_ss`,
      marker: { color: color(i), size: 9 }, error_y: { type: "data", array: l.points.map((p) => p.stderr_A || 0), visible: true } });
    if (l.line) traces.push({ x: l.line.voltage_V, y: l.line.current_A, mode: "lines", name: `${l.sample} fit`, line: { color: color(i) } });
  });
  return draw(el, traces, layoutOf("Steady-state current vs voltage", "V / V", "I_ss / A"), name);
}

export function cycling(el, rec, name) {
  const c = rec.curves || { time_s: [], voltage_V: [] };
  return draw(el, [{ x: c.time_s.map((t) => t / 3600), y: c.voltage_V, mode: "lines", name: rec.sample, line: { color: "#2459c7" } }],
    layoutOf(`Cycling ${rec.sample}`, "t / h", "V / V"), name);
}

export function overpotential(el, rec, name) {
  const cyc = rec.cycles.map((c) => c.cycle);
  const traces = [["plating_V", "plating"], ["stripping_V", "stripping"], ["polarisation_V", "polarisation"]].map(([k, n], i) => ({
    x: cyc, y: rec.cycles.map((c) => c[k]), mode: "lines+markers", name: n, marker: { color: color(i) }, line: { color: color(i) },
  }));
  return draw(el, traces, layoutOf(`Overpotential per cycle (${rec.definition})`, "cycle", "η / V"), name);
}

export function cv(el, rec, name) {
  const c = rec.curves || { potential_V: [], current_A: [] };
  const traces = [{ x: c.potential_V, y: c.current_A, mode: "lines", name: rec.sample, line: { color: "#2459c7" } },
    { x: rec.peaks.map((p) => p.potential_V), y: rec.peaks.map((p) => p.current_A), mode: "markers", name: "peaks", marker: { color: "#d9480f", size: 9, symbol: "x" } }];
  return draw(el, traces, layoutOf(`Cyclic voltammogram ${rec.sample}`, "E / V", "I / A"), name);
}

export function xrd(el, ref, name) {
  const c = ref.curves;
  const traces = [{ x: c.two_theta_deg, y: c.observed, mode: "markers", name: "observed", marker: { size: 3, color: "#1d2433" } }];
  if (c.calculated) {
    const obs = c.observed.filter((v) => v != null), lo = Math.min(...obs), range = Math.max(...obs) - lo;
    const span = Math.max(...c.difference.map((v) => Math.abs(v ?? 0)), 0.05 * range);
    traces.push({ x: c.two_theta_deg, y: c.calculated, mode: "lines", name: "calculated", line: { color: "#d9480f" } });
    traces.push({ x: c.two_theta_deg, y: c.difference.map((v) => (v == null ? null : v + lo - 1.2 * span)), mode: "lines", name: "difference (offset)", line: { color: "#2459c7", width: 1 } });
    // reflection positions, one row of ticks per phase below the difference curve
    const xmin = Math.min(...c.two_theta_deg), xmax = Math.max(...c.two_theta_deg);
    Object.entries(ref.ticks_deg || {}).forEach(([phase, pos], k) => {
      const x = pos.filter((t) => t >= xmin && t <= xmax);
      traces.push({ x, y: x.map(() => lo - 2.4 * span - k * 0.05 * range), mode: "markers", name: `${phase} reflections`,
        marker: { symbol: "line-ns-open", size: 10, color: color(k + 3) }, hovertemplate: `${phase} %{x:.3f}°<extra></extra>` });
    });
  }
  return draw(el, traces, layoutOf(`XRD refinement ${ref.sample}`, "2θ / °", "intensity / counts"), name);
}

export function xpsProfile(el, prof, name) {
  const traces = Object.entries(prof.atomic_percent).map(([elname, v], i) => ({
    x: prof.x, y: v, mode: "lines+markers", name: elname, marker: { color: color(i) }, line: { color: color(i) },
  }));
  const xname = { depth_nm: "depth / nm", sputter_time_s: "sputter time / s", step: "sputter step" }[prof.x_name] || prof.x_name;
  return draw(el, traces, layoutOf("Depth profile", xname, "atomic %"), name);
}

export function xpsSpectrum(el, sp, name) {
  const traces = Object.entries(sp.series).map(([n, v], i) => ({
    x: sp.x, y: v, mode: /count|observ|intens|data/i.test(n) ? "markers" : "lines", name: n, marker: { size: 4, color: color(i) }, line: { color: color(i) },
  }));
  return draw(el, traces, layoutOf(`XPS fit ${sp.meta.region || ""}`, "binding energy / eV", "counts",
    { xaxis: { autorange: "reversed", title: { text: "binding energy / eV" } } }), name);
}

// One XPS region at one sputter step as CasaXPS shows it: data points, each component filled
// down to the background, the envelope and the background.
export function xpsComponents(el, region, st, name) {
  const traces = [{ x: st.binding_energy_eV, y: st.background, mode: "lines", name: "background", line: { color: "#6b7280", dash: "dash", width: 1 } }];
  st.components.forEach((c, k) => traces.push({ x: st.binding_energy_eV, y: c.y, mode: "lines", name: c.name, fill: "tonexty",
    line: { color: color(k), width: 1 }, fillcolor: `hsla(${(k * 137) % 360}, 65%, 42%, 0.18)` }));
  // fill: "tonexty" fills to the previous trace, so every component is preceded by the background again
  const filled = [];
  traces.slice(1).forEach((t) => { filled.push({ ...traces[0], showlegend: false, hoverinfo: "skip" }); filled.push(t); });
  filled.push({ x: st.binding_energy_eV, y: st.envelope, mode: "lines", name: "envelope", line: { color: "#d9480f" } });
  filled.push({ x: st.binding_energy_eV, y: st.counts, mode: "markers", name: "data", marker: { size: 4, color: "#1d2433" } });
  return draw(el, [traces[0], ...filled], layoutOf(`${region}`, "binding energy / eV", "counts",
    { xaxis: { autorange: "reversed", title: { text: "binding energy / eV" } } }), name);
}
