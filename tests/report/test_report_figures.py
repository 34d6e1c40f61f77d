"""Report figures checked for what a person sees: equal Nyquist scales, phase ticks, XPS
components, natural sample order, tables with units and uncertainties (synthetic rows)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sselab.report import figures, style, tables


def _eis_row(T_K: float, R1: float):
    f = np.logspace(6, -1, 50)
    from sselab.eis.circuit import Circuit

    circuit = "R0-p(R1,C1)"
    z = Circuit(circuit).impedance(f, {"R0": 50.0, "R1": R1, "C1": 1e-9})
    params = {"R0": {"value": 50.0}, "R1": {"value": R1}, "C1": {"value": 1e-9}}
    return {"task_id": f"t{T_K}", "sample": "s", "result": {
        "temperature_K": T_K, "fit": {"circuit": circuit, "parameters": params},
        "curves": {"frequency_Hz": f.tolist(), "Z_real_ohm": z.real.tolist(), "Z_imag_ohm": z.imag.tolist()}}}


def test_nyquist_has_equal_scales_and_decade_markers():
    fig = figures.nyquist([_eis_row(313.15, 3000.0), _eis_row(373.15, 500.0)], "x")
    ax = fig.axes[0]
    fig.canvas.draw()
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    bbox = ax.get_window_extent()
    ohm_per_px_x = (x1 - x0) / bbox.width
    ohm_per_px_y = (y1 - y0) / bbox.height
    assert ohm_per_px_x == pytest.approx(ohm_per_px_y, rel=0.02)  # semicircles look round
    assert y0 <= 0 <= y1 and x0 >= -0.05 * (x1 - x0)  # real axis in view, no empty negative Z' range
    labels = [t.get_text() for t in ax.texts]
    assert "10⁶ Hz" in labels and "10³ Hz" in labels  # the arc's decades labelled
    assert len(labels) == len(set(labels)) >= 4  # each decade at most once (one series labelled)
    marks = [(x, y) for t in ax.get_lines() if t.get_marker() == "+" for x, y in zip(t.get_xdata(), t.get_ydata())]
    assert len(marks) >= 8  # every decade 1e-1..1e6 still marked (one marker line per spectrum)
    # decades crowded near the origin are marked but not labelled on top of each other
    pts = np.array([t.xy for t in ax.texts])
    gaps = np.hypot(*(pts[:, None, :] - pts[None, :, :]).transpose(2, 0, 1))[np.triu_indices(len(pts), 1)]
    assert gaps.min() > 0.05 * (x1 - x0)
    assert all(np.isclose(marks, pt).all(axis=1).any() for pt in pts)  # each label sits on a marked point
    # the model is a smooth curve on a dense grid, not the 50 measured points
    assert max(len(line.get_xdata()) for line in ax.get_lines()) >= 400


def test_bode_phase_axis_is_linear_with_regular_ticks():
    fig = figures.bode([_eis_row(313.15, 3000.0)], "x")
    ap = fig.axes[1]
    assert ap.get_yscale() == "linear"
    ticks = [t for t in ap.get_yticks() if ap.get_ylim()[0] <= t <= ap.get_ylim()[1]]
    assert np.allclose(np.diff(ticks), ticks[1] - ticks[0]) and (ticks[1] - ticks[0]) in (15, 30)
    phase_max = max(np.max(line.get_ydata()) for line in ap.get_lines())
    assert ap.get_ylim()[1] > phase_max  # the phase peak is not clipped


def test_xps_panel_draws_every_component_and_a_residual():
    e = np.linspace(60, 40, 201)
    from sselab.xps.lineshapes import peak

    comps = [{"name": "A", "shape": "GL(30)", "position_eV": 48.0, "fwhm_eV": 1.0, "area": 100.0},
             {"name": "B", "shape": "GL(30)", "position_eV": 52.0, "fwhm_eV": 1.2, "area": 60.0}]
    bg = np.full_like(e, 5.0)
    env = bg + sum(peak(e, "GL", c["position_eV"], c["fwhm_eV"], c["area"], m=0.3) for c in comps)
    row = {"sample": "s", "result": {
        "fits": {"X 1s": [{"components": comps}]},
        "surface_spectra": [{"region": "X 1s", "sputter_time_s": 0, "binding_energy_eV": e.tolist(),
                             "counts": env.tolist(), "envelope": env.tolist(), "background": bg.tolist()}]}}
    fig = figures.xps_spectra(row)
    ax, rx = fig.axes[0], fig.axes[1]
    assert len(ax.collections) == 2  # one filled area per component
    assert ax.xaxis_inverted()  # binding energy decreasing to the right, as CasaXPS shows it
    assert np.allclose(rx.get_lines()[0].get_ydata(), 0.0)  # residual of a perfect envelope
    fig.canvas.draw()  # the legend sits above the highest count: it covers no data
    legend_bottom = ax.transData.inverted().transform(ax.get_legend().get_window_extent().p0)[1]
    assert legend_bottom > env.max()


def test_natural_sort_and_human_tables():
    assert style.sorted_naturally(["800C-12h", "as-BM", "500C-12h", "700C-12h"]) == \
        ["as-BM", "500C-12h", "700C-12h", "800C-12h"]
    df = pd.DataFrame({"sample": ["a"], "sigma_ion_S_per_cm": [5.538e-4], "sigma_ion_stderr_S_per_cm": [2e-6],
                       "Ea_eV": [0.3001], "Ea_stderr_eV": [None]})
    h = tables.humanise(df)
    assert list(h.columns) == ["Sample", "σ_ion / S cm⁻¹", "Ea / eV"]
    assert h.iloc[0, 1] == "5.54(2)e-4 S/cm".replace(" S/cm", "") and h.iloc[0, 2] == "0.3001 ± ?"
    esc = tables.csv_safe(pd.DataFrame({"sample": ["=HYPERLINK(\"x\")", "-1", "ok"], "v": [1.0, -2.0, 3.0]}))
    assert esc["sample"].tolist() == ["'=HYPERLINK(\"x\")", "'-1", "ok"] and esc["v"].tolist() == [1.0, -2.0, 3.0]


def test_plot_path_checked_before_work(tmp_path):
    from sselab.exceptions import SselabError

    with pytest.raises(SselabError, match="unknown figure format"):
        style.check_plot_path(tmp_path / "out.jpgx")
    with pytest.raises(SselabError, match="does not exist"):
        style.check_plot_path(tmp_path / "nope" / "out.png")
    assert style.check_plot_path(tmp_path / "out.svg").suffix == ".svg"


def test_site_table_shows_esds_beside_values_and_fixed_parameters_plain():
    df = pd.DataFrame({"site": ["N1", "Mg1"], "x": [0.0, 0.1234], "x_stderr": [None, 0.0004],
                       "occupancy_factor": [1.0012, 1.0], "occupancy_stderr": [0.0034, None],
                       "B_A2": [-8.87, -5.94], "B_stderr_A2": [0.03, 0.013]})
    h = tables.humanise(df)
    assert list(h.columns) == ["site", "x", "occupancy factor", "B / Å²"]
    assert h["x"].tolist() == ["0", "0.1234(4)"]
    assert h["occupancy factor"].tolist() == ["1.001(3)", "1"]
    assert h["B / Å²"].tolist() == ["-8.87(3)", "-5.940(13)"]


def test_arrhenius_log_axis_labels_1_2_5_only():
    """σ over 1.5 decades: labels at 1, 2, 5 × 10ⁿ (no crowded 3×, 4×, 6× labels)."""
    from sselab.units import K_B_EV

    T = np.array([313.15, 333.15, 353.15, 373.15])
    arr = {"Ea_eV": 0.35, "Ea_stderr_eV": 0.001, "prefactor": 10.0, "convention": "sigma",
           "data": [{"temperature_K": t, "sigma_S_per_cm": 10.0 * np.exp(-0.35 / (K_B_EV * t))} for t in T]}
    fig = figures.arrhenius_overlay([{"sample": "s", "result": {"arrhenius": arr}}])
    ax = fig.axes[0]
    fig.canvas.draw()
    lo, hi = ax.get_ylim()
    shown = [t for t in ax.get_yticks() if lo <= t <= hi]
    mantissas = {round(t / 10.0 ** np.floor(np.log10(t) + 1e-9)) for t in shown}
    assert mantissas <= {1, 2, 5} and len(shown) >= 3
    assert all(t.get_text() == "" for t in ax.yaxis.get_minorticklabels())


def test_chronoamperometry_legend_lies_beside_the_curves():
    t = np.linspace(0, 9000, 50)
    rows = [{"result": {"set_potential_V": v, "t_ion": 0.08, "curves": {"time_s": t.tolist(),
             "current_A": (v * 1e-6 * (1 + np.exp(-t / 600))).tolist()}}} for v in (0.5, 1, 2, 3)]
    fig = figures.transients(rows, "s")
    fig.canvas.draw()
    ax = fig.axes[0]
    leg = ax.get_legend().get_window_extent()
    assert leg.x0 >= ax.get_window_extent().x1  # no curve can be covered
    assert [t.get_text() for t in ax.get_legend().get_texts()][0] == "0.5 V, t_ion 0.080"


def test_log_axis_labels_are_plain_text_and_the_layout_is_done_once():
    fig = figures.bode([_eis_row(313.15, 1000.0), _eis_row(353.15, 300.0)], "s")
    box = style.lay_out(fig)
    assert fig.get_layout_engine() is None  # laid out: savefig draws once
    am, ap = fig.axes
    labels = [t.get_text() for t in ap.xaxis.get_ticklabels() if t.get_text()]
    assert "10⁰" in labels and "10⁻²" in labels and not any("$" in t for t in labels)
    assert style.power_of_ten(-3, 2) == "2×10⁻³"
    # the box holds every label: the figure's own tight box, a little padded
    tight = fig.get_tightbbox(fig.canvas.get_renderer())
    assert box.x0 < tight.x0 and box.x1 > tight.x1 and box.y0 < tight.y0 and box.y1 > tight.y1
    assert box.width == pytest.approx(tight.width + 0.2, abs=1e-6)


def test_single_axes_fills_the_figure_like_constrained_layout():
    fig = figures.transients([{"sample": "s", "result": {"set_potential_V": 0.5, "t_ion": 0.08, "curves": {
        "time_s": [0.0, 3600.0, 7200.0], "current_A": [3e-6, 1e-6, 9e-7]}}}], "s")
    style.lay_out(fig)
    r = fig.canvas.get_renderer()
    tight = fig.axes[0].get_tightbbox(r, for_layout_only=True)
    w, h = fig.get_size_inches() * fig.dpi
    pad = 0.04167 * fig.dpi  # constrained layout's pads
    assert tight.x0 == pytest.approx(pad, abs=2) and tight.y0 == pytest.approx(pad, abs=2)
    assert tight.x1 == pytest.approx(w - pad, abs=2) and tight.y1 == pytest.approx(h - pad, abs=2)  # legend beside


def test_an_unpickled_figure_tracks_its_axes_after_rekeying():
    import pickle

    from matplotlib.transforms import TransformNode

    from sselab.report.figpool import _rekey_transform_parents

    fig = figures.nyquist([_eis_row(313.15, 1000.0)], "s")
    copy = pickle.loads(pickle.dumps(fig))

    def stale(f):
        import gc

        seen, todo, n = set(), [f], 0
        while todo:
            o = todo.pop()
            if id(o) in seen:
                continue
            seen.add(id(o))
            if isinstance(o, TransformNode):
                n += sum(1 for k, ref in o._parents.items() if ref() is not None and id(ref()) != k)
            todo += [x for x in gc.get_referents(o) if isinstance(x, (dict, list, tuple, TransformNode))
                     or hasattr(x, "figure")]
        return n

    assert stale(copy) > 0  # pickling carries the other process's ids
    _rekey_transform_parents(copy)
    assert stale(copy) == 0
    ax = copy.axes[0]
    line = ax.get_lines()[0]
    before = line.get_clip_box().bounds
    ax.set_position([0.3, 0.3, 0.4, 0.4])
    assert line.get_clip_box().bounds != before  # the clip box follows the axes


def test_cached_ticks_draw_the_same_figures_as_matplotlib(tmp_path, monkeypatch):
    """style.lay_out/save compute each axis' ticks once per pass and only in view
    (sselab.report.ticks); matplotlib's own tick path must give the same SVG, byte for byte
    up to ids: log and linear axes, shared x, a secondary axis, equal-aspect Nyquist."""
    import contextlib
    import re

    from sselab.units import K_B_EV

    T = np.array([313.15, 333.15, 353.15, 373.15])
    arr = {"Ea_eV": 0.35, "Ea_stderr_eV": 0.001, "prefactor": 10.0, "convention": "sigma",
           "data": [{"temperature_K": t, "sigma_S_per_cm": 10.0 * np.exp(-0.35 / (K_B_EV * t))} for t in T]}
    t = np.linspace(0, 9000, 50)
    ca = [{"result": {"set_potential_V": 0.5, "curves": {"time_s": t.tolist(),
                                                         "current_A": (1e-6 * (1 + np.exp(-t / 600))).tolist()}}}]
    spectra = [_eis_row(313.15, 3000.0), _eis_row(373.15, 500.0)]
    makers = {"bode": lambda: figures.bode(spectra, "b"), "nyquist": lambda: figures.nyquist(spectra, "n"),
              "arrhenius": lambda: figures.arrhenius_overlay([{"sample": "s", "result": {"arrhenius": arr}}]),
              "ca": lambda: figures.transients(ca, "s")}

    def svg(name: str) -> str:
        text = (tmp_path / name).read_text()
        return re.sub(r'(id|xlink:href|clip-path)="[^"]*"', "", re.sub(r"<dc:date>[^<]*</dc:date>", "", text))

    calls = {"n": 0}
    import sselab.report.ticks as ticks

    real = ticks._update_ticks_in_view

    def counted(axis):
        calls["n"] += 1
        return real(axis)

    monkeypatch.setattr(ticks, "_update_ticks_in_view", counted)
    for name, make in makers.items():
        style.save(make(), tmp_path / f"{name}_cached.svg")
    assert calls["n"] > 0  # the cached path ran
    monkeypatch.setattr(style, "ticks_cached", contextlib.nullcontext)
    n = calls["n"]
    for name, make in makers.items():
        style.save(make(), tmp_path / f"{name}_plain.svg")
    assert calls["n"] == n  # matplotlib's own path ran
    for name in makers:
        cached, plain = svg(f"{name}_cached.svg"), svg(f"{name}_plain.svg")
        assert cached.count("<use") > 10 and cached == plain, name


def test_bode_column_laid_out_as_constrained_layout_in_one_pass():
    """style._fit_axes_column places a Bode plot's two axes where constrained layout puts them
    (within half a pixel), and leaves a figure whose legend runs out of its axes to the solver."""
    def laid(fig, column):
        style.plain_log_labels(fig)
        with style.plt.rc_context(style.RC), style.ticks_cached():
            renderer, engine = fig.canvas.get_renderer(), fig.get_layout_engine()
            done = style._fit_axes_column(fig, renderer, engine) if column else (engine.execute(fig) or True)
        w, h = fig.get_size_inches() * fig.dpi
        return done, [np.array(ax.get_position().bounds) * [w, h, w, h] for ax in fig.axes]

    rows = [_eis_row(313.15, 3000.0), _eis_row(373.15, 500.0)]
    done, mine = laid(figures.bode(rows, "s: Au|SE|Au"), True)
    _, solved = laid(figures.bode(rows, "s: Au|SE|Au"), False)
    assert done and all(np.allclose(a, b, atol=0.5) for a, b in zip(mine, solved))
    assert mine[0][1] > mine[1][1] + mine[1][3]  # |Z| above the phase, apart
    long = [{**r, "task_id": f"t{k}", "measurements": [{"path": f"a_very_long_file_name_of_spectrum_{k}.csv"}],
             "result": {**r["result"], "temperature_K": 333.15}} for k, r in enumerate(rows * 3)]
    fig = figures.bode(long, "s")
    done, _ = laid(fig, True)
    assert not done  # six long labels: the legend beside the axes, laid out by the solver
    fig.get_layout_engine().execute(fig)
    fig.canvas.draw()
    am = fig.axes[0]
    assert am.get_legend().get_window_extent().x0 >= am.get_window_extent().x1  # covers no curve, no label


def test_minor_tick_marks_draw_the_pixels_of_matplotlibs_minor_ticks(tmp_path, monkeypatch):
    """sselab.report.ticks.minor_marks draws an axis' unlabelled minor ticks as one marker line
    per side instead of one Tick artist each: the PNG of a Bode plot (log x over 7 decades,
    shared x, log |Z|), an Arrhenius plot (log y, secondary °C axis) and a CA plot must match
    matplotlib's own minor ticks to within one grey level (draw order), with far fewer ticks made."""
    import matplotlib.axis as maxis
    from matplotlib import image as mimage

    from sselab.report import ticks
    from sselab.units import K_B_EV

    T = np.array([313.15, 333.15, 353.15, 373.15])
    arr = {"Ea_eV": 0.35, "Ea_stderr_eV": 0.001, "prefactor": 10.0, "convention": "sigma",
           "data": [{"temperature_K": t, "sigma_S_per_cm": 10.0 * np.exp(-0.35 / (K_B_EV * t))} for t in T]}
    spectra = [_eis_row(313.15, 3000.0), _eis_row(373.15, 500.0)]
    makers = {"bode": lambda: figures.bode(spectra, "b"),
              "arrhenius": lambda: figures.arrhenius_overlay([{"sample": "s", "result": {"arrhenius": arr}}])}
    made = {"n": 0}
    real_init = maxis.Tick.__init__

    def counting(self, *a, **k):
        made["n"] += 1
        real_init(self, *a, **k)

    monkeypatch.setattr(maxis.Tick, "__init__", counting)
    counts = {}
    for variant in ("marks", "ticks"):
        if variant == "ticks":
            monkeypatch.setattr(ticks, "minor_marks", lambda fig: None)
        for name, make in makers.items():
            made["n"] = 0
            style.save(make(), tmp_path / f"{name}_{variant}.png", dpi=150)
            counts[name, variant] = made["n"]
    for name in makers:
        a = mimage.imread(tmp_path / f"{name}_marks.png")
        b = mimage.imread(tmp_path / f"{name}_ticks.png")
        assert a.shape == b.shape, name
        diff = np.abs(a - b).max(axis=-1)
        assert diff.max() <= 1.5 / 255 and (diff > 0).sum() < 100, name
        assert counts[name, "marks"] < counts[name, "ticks"], (name, counts)
    assert counts["bode", "marks"] < counts["bode", "ticks"] / 3, counts  # 37 against 156
    # the marks are there: a Bode plot without any minor ticks would differ in hundreds of pixels
    monkeypatch.setattr(ticks, "minor_marks", lambda fig: [ax.minorticks_off() for ax in fig.axes])
    style.save(makers["bode"](), tmp_path / "bode_none.png", dpi=150)
    diff = np.abs(mimage.imread(tmp_path / "bode_none.png") - mimage.imread(tmp_path / "bode_ticks.png")).max(axis=-1)
    assert (diff > 0.1).sum() > 200


def test_importing_the_style_leaves_matplotlib_alone():
    """The tick cache is installed on matplotlib's Axis by the first ticks_cached() block, not
    by importing sselab.report.style (which the CLI's plotting commands import)."""
    import subprocess
    import sys

    code = ("from matplotlib.axis import Axis; before = Axis._update_ticks; import sselab.report.style as s; "
            "assert Axis._update_ticks is before; from sselab.report import ticks\n"
            "with ticks.ticks_cached(): pass\n"
            "assert Axis._update_ticks is ticks._update_ticks_once; assert ticks._ORIGINAL_UPDATE_TICKS is before")
    subprocess.run([sys.executable, "-c", code], check=True)


def _image_figure():
    fig, ax = style.figure(4.2, 3.2)
    ax.imshow(np.arange(768 * 1024, dtype=float).reshape(768, 1024) % 251, cmap="gray", interpolation="nearest")
    return fig


def _no_figure():
    return None


def test_report_svgs_embed_rasters_at_their_display_size_and_skip_absent_figures(tmp_path):
    """A micrograph inside a report SVG is embedded at SVG_IMAGE_DPI (150) of its displayed size,
    not resampled to 300 dpi; FigurePool.draw draws in the worker (or here) and a figure function
    that returns None leaves no file and no <figure> in the page."""
    import base64
    import io
    import re

    from PIL import Image

    from sselab.report import figpool, html as H

    for jobs in (1, 2):
        figs = H._Figures(tmp_path / f"j{jobs}", ("svg",), jobs=jobs)
        (tmp_path / f"j{jobs}").mkdir()
        figs.draw(_image_figure, (), "micrograph", "a micrograph")
        figs.draw(_no_figure, (), "absent", "nothing to draw")
        page = figs.finish(figs.take())
        assert page.count("<figure>") == 1 and "nothing to draw" not in page
        assert not (tmp_path / f"j{jobs}" / "absent.svg").exists()
        svg = (tmp_path / f"j{jobs}" / "micrograph.svg").read_text()
        m = re.search(r'<image xlink:href="data:image/png;base64,([^"]+)"[^>]*width="([\d.]+)"', svg)
        w_px = Image.open(io.BytesIO(base64.b64decode(m.group(1)))).size[0]
        assert w_px == pytest.approx(float(m.group(2)) * figpool.SVG_IMAGE_DPI / 72, abs=1.5)  # displayed points at 150 dpi
        assert w_px < 1024  # downsampled from the 1024-pixel micrograph, not 300 dpi (~1,260 px)


def test_text_metrics_kept_across_figures_follow_the_font_rcparams():
    """ticks._text_metrics_once keeps a string's measured size across ticks_cached blocks; the
    font a generic family resolves to comes from rcParams, so a string measured in one font is
    not reused for another (same FontProperties, other font.sans-serif)."""
    from sselab.report import ticks

    def width(font: str) -> float:
        with style.plt.rc_context({"font.family": ["sans-serif"], "font.sans-serif": [font]}):
            fig = style.plt.figure()
            text = fig.text(0.1, 0.5, "Hello world 0123")
            renderer = fig.canvas.get_renderer()
            with ticks.ticks_cached():
                w = text.get_window_extent(renderer).width
            plain = text.get_window_extent(renderer).width  # matplotlib's own measurement
            style.plt.close(fig)
            return w, plain

    sans, mono = width("DejaVu Sans"), width("DejaVu Sans Mono")
    assert sans[0] == sans[1] and mono[0] == mono[1]
    assert mono[0] > sans[0] + 3  # the monospaced font is wider: measured, not the cached sans width


def _log_figure():
    fig, ax = style.figure(3.4, 2.6)
    f = np.logspace(-1, 6, 50)
    ax.loglog(f, 1e3 / (1 + f / 1e3))
    return fig, ax


def _png(fig) -> np.ndarray:
    import io

    from matplotlib import image as mimage

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    return mimage.imread(io.BytesIO(buf.getvalue()))


def test_minor_marks_follow_a_saved_figure_changed_afterwards(tmp_path):
    """A figure kept open after style.save (close=False) and changed draws the minor ticks that
    matplotlib would: zoomed into a decade, the labelled minor ticks; after minorticks_off, none;
    after another scale, that scale's (no stale marks of the saved one)."""
    from matplotlib.ticker import NullLocator

    def saved():
        fig, ax = _log_figure()
        style.save(fig, tmp_path / "f.png", close=False, dpi=100)
        assert isinstance(ax.xaxis.minor.locator, NullLocator)  # drawn as marks
        return fig, ax

    def reference():
        fig, ax = _log_figure()
        style.plain_log_labels(fig)
        fig.set_layout_engine(None)
        return fig, ax

    for change in (lambda ax: ax.set_xlim(2, 8), lambda ax: ax.minorticks_off(),
                   lambda ax: ax.set_xscale("linear"), lambda ax: ax.set_xlim(1e-1, 1e6)):
        fig, ax = saved()
        ref, rax = reference()
        rax.set_position(ax.get_position())
        change(ax)
        change(rax)
        with style.plt.rc_context(style.RC):
            a, b = _png(fig), _png(ref)
        style.plt.close(fig)
        style.plt.close(ref)
        assert a.shape == b.shape
        diff = np.abs(a - b).max(axis=-1)
        assert (diff > 0.1).sum() < 20, (diff > 0.1).sum()
    fig, ax = saved()
    ax.set_xlim(2, 8)
    fig.canvas.draw()
    assert [t.get_text() for t in ax.xaxis.get_minorticklabels() if t.get_text()]  # 2×10⁰ … labelled


def test_minor_marks_only_on_the_matplotlib_they_were_written_for(monkeypatch):
    """minor_marks uses matplotlib's private tick API: with another release it leaves the
    figure's ticks to matplotlib."""
    from matplotlib.ticker import NullLocator

    from sselab.report import ticks

    monkeypatch.setattr(ticks, "WRITTEN_FOR", "0.0")
    fig, ax = _log_figure()
    before = ax.xaxis.minor.locator
    ticks.minor_marks(fig)
    assert ax.xaxis.minor.locator is before and not isinstance(before, NullLocator)
    monkeypatch.undo()
    ticks.minor_marks(fig)
    assert isinstance(ax.xaxis.minor.locator, NullLocator)
    style.plt.close(fig)


def _worker_dies():
    import os

    os._exit(1)  # as a kill or the out-of-memory killer would end it


def test_a_dead_figure_worker_is_one_error_naming_the_figure(tmp_path):
    """A worker process that dies while drawing is one SselabError (one line in the CLI, as the
    study's workers) naming the first figure not written, not a BrokenProcessPool traceback;
    the pool is shut."""
    from sselab.exceptions import SselabError
    from sselab.report import html as H

    figs = H._Figures(tmp_path, ("svg",), jobs=2)
    figs.draw(_image_figure, (), "fine", "drawn")
    figs.draw(_worker_dies, (), "doomed", "never drawn")
    with pytest.raises(SselabError, match=r"worker process died .* before (fine|doomed)\.svg was written"):
        figs.finish(figs.take())
    assert figs._pool._pool is None  # closed
    with pytest.raises(SselabError, match="doomed.png"), H.FigurePool(2) as pool:
        pool.draw(_worker_dies, (), [tmp_path / "doomed.png"])
