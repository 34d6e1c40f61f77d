"""``--plot`` on every CLI analysis command: the figure is written and shows what a person
would look for (bars per element, the curves drawn, axis labels with units), and a bad path
is refused at parse time (exit 2) before any work."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from test_cli_help import _all_commands

DATA = Path(__file__).resolve().parents[1] / "data"

#: commands that analyse nothing a figure could show, with the reason
EXEMPT = {
    "demo": "runs the whole virtual study; its figures are in the report it writes (--out)",
    "run": "runs the study pipeline; figures are the report's",
    "results": "lists stored results",
    "info": "lists what a file holds (reader, columns, ranges)",
    "serve": "starts the web workbench",
    "sem info": "prints an image's metadata (pixel size, vendor)",
    "xps regions": "lists a file's regions and ranges",
    "conductivity": "σ = l/(R·A) from numbers given on the command line: no data to draw",
}


def test_every_analysis_command_has_plot():
    commands = {p: c for p, c in _all_commands().items() if not hasattr(c, "list_commands")}
    assert set(EXEMPT) <= set(commands), set(EXEMPT) - set(commands)
    missing = [p for p, c in commands.items() if p not in EXEMPT and "plot" not in [x.name for x in c.params]]
    assert missing == [], f"analysis commands without --plot: {missing}"
    # an exempt command that gained --plot should leave the list
    assert [p for p in EXEMPT if "plot" in [x.name for x in commands[p].params]] == []


@pytest.fixture
def figures(monkeypatch):
    """Every figure the command saves through :func:`sselab.report.style.save`, kept open."""
    import sselab.report.style as style

    saved, original = [], style.save

    def keep(fig, out, *, close=True):
        saved.append(fig)
        return original(fig, out, close=False)

    monkeypatch.setattr(style, "save", keep)
    yield saved
    import matplotlib.pyplot as plt

    for f in saved:
        plt.close(f)


NEW = [
    ("eis", "suggest", "x.csv"), ("deconvolve", "x.csv", "--reference", "14.6 ohm", "--thickness", "1 mm",
                                   "--diameter", "13 mm"),
    ("xps", "quantify", "x.vms"), ("xps", "casa", "x.vms"), ("xrd", "identify", "x.xye", "--phases", "MgO"),
    ("xrd", "simulate", "--antiperovskite", "Mg3AsN"), ("eds", "identify", "x.msa"), ("eds", "quantify", "x.msa"),
    ("sem", "porosity", "x.tif"), ("dc", "bruce-vincent", "x.csv", "--r0", "5", "--rss", "6"),
]


@pytest.mark.parametrize("args", NEW, ids=[" ".join(a[:2]) for a in NEW])
def test_bad_plot_path_refused_before_work(cli, tmp_path, args):
    # the inputs do not exist: refusing the figure name first proves nothing was read
    rc, out, err = cli(*[str(tmp_path / a) if a.startswith("x.") else a for a in args], "--plot", tmp_path / "f.jpgx")
    assert rc == 2 and "unknown figure format" in err and out == ""
    rc, _, err = cli(*[str(tmp_path / a) if a.startswith("x.") else a for a in args], "--plot", tmp_path / "no" / "f.png")
    assert rc == 2 and "does not exist" in err


def _labels(ax):
    return ax.get_xlabel(), ax.get_ylabel()


def test_sem_porosity_plot(cli, tmp_path, figures):
    import tifffile

    from sselab.microscopy.simulate import synthetic_pellet

    img, truth = synthetic_pellet(0.12, 0.05, shape=(200, 240), seed=2)
    f = tmp_path / "pellet.tif"
    tifffile.imwrite(f, (img.data * 255).clip(0, 255).astype(np.uint8))
    rc, out, err = cli("sem", "porosity", f, "--pixel-size", "50 nm", "--json", "--plot", tmp_path / "p.svg")
    assert rc == 0, err
    assert json.loads(out)["pore_area_fraction"] == pytest.approx(truth, abs=0.01)
    ax = figures[0].axes[0]
    assert _labels(ax) == ("x / µm", "y / µm")
    assert ax.get_xlim()[1] == pytest.approx(240 * 0.05)  # the axes are in µm: 240 px × 50 nm
    assert f"pores {100 * truth:.0f}" in ax.get_title() or f"pores {100 * truth:.1f}"[:-1] in ax.get_title()
    assert len(ax.images) == 2 and "x / µm" in (tmp_path / "p.svg").read_text()


def test_eds_identify_and_quantify_plots(cli, tmp_path, figures):
    from sselab.eds.simulate import synthetic_spectrum, write_msa

    sp = synthetic_spectrum({"Mg": 42.9, "As": 14.3, "N": 14.3, "O": 28.5}, 15.0, seed=1)
    f = tmp_path / "s.msa"
    write_msa(f, sp)
    rc, out, err = cli("eds", "identify", f, "--json", "--plot", tmp_path / "i.png")
    assert rc == 0, err
    found = {x["element"] for x in json.loads(out)["identified"]}
    ax = figures[0].axes[0]
    assert _labels(ax) == ("energy / keV", "counts")
    labelled = {t.get_text().split()[0] for t in ax.texts}
    assert {"Mg", "As"} <= labelled and labelled == found
    assert (tmp_path / "i.png").stat().st_size > 10_000
    rc, out, err = cli("eds", "quantify", f, "--elements", "Mg,As,O", "--json", "--plot", tmp_path / "q.png")
    assert rc in (0, 3), err
    d = json.loads(out)
    ax = figures[1].axes[0]
    assert len(ax.patches) == 3 and [t.get_text() for t in ax.get_xticklabels()] == d["elements"]
    heights = [p.get_height() for p in ax.patches]
    assert heights == pytest.approx([d["atomic_percent"][e][0] if isinstance(d["atomic_percent"][e], list)
                                     else d["atomic_percent"][e] for e in d["elements"]])
    assert ax.get_ylabel() == "composition / at.%"


def test_xps_quantify_and_casa_plots(cli, tmp_path, figures):
    from sselab.xps.simulate import mg3asn_profile, write_vamas

    path = write_vamas(mg3asn_profile(seed=1)[-1], tmp_path / "mg3asn.vms")
    rc, out, err = cli("xps", "quantify", path, "--json", "--plot", tmp_path / "q.svg")
    assert rc in (0, 3), err
    rows = json.loads(out)["rows"]
    ax = figures[0].axes[0]
    assert len(ax.patches) == len(rows) >= 3
    assert [p.get_height() for p in ax.patches] == pytest.approx([r["atomic_percent"] for r in rows])
    assert "composition / at.%" in (tmp_path / "q.svg").read_text()
    rc, out, err = cli("xps", "casa", DATA / "xps" / "FeO_analyzed.vms", "--json", "--plot", tmp_path / "c.png")
    assert rc in (0, 3), err
    regions = [r for r in json.loads(out)["regions"] if r["components"]]
    fig = figures[1]
    assert len(fig.axes) == len(regions)
    for ax, r in zip(fig.axes, regions):
        n = len(r["components"])
        assert len(ax.patches) == 2 * n  # CasaXPS and the refit side by side
        assert sum(p.get_height() for p in ax.patches[:n]) == pytest.approx(100)
        assert ax.get_title() == r["name"] and ax.get_ylabel() == "share of region area / %"


def test_xrd_simulate_and_identify_plots(cli, tmp_path, figures):
    out = tmp_path / "sim.xye"
    rc, _, err = cli("xrd", "simulate", "--antiperovskite", "Mg3AsN", "--start", "20", "--stop", "80", "--noise",
                     "--seed", "1", "--out", out, "--plot", tmp_path / "s.png")
    assert rc == 0, err
    ax = figures[0].axes[0]
    assert _labels(ax) == ("2θ / °", "intensity / counts")
    ticks = ax.lines[1].get_xdata()
    # cubic a = 4.2307 Å, Cu Kα1: (100) at 21.0°, (110) at 30.0°, (111) at 36.8°
    lam = 1.5406
    for hkl in ((1, 0, 0), (1, 1, 0), (1, 1, 1), (2, 0, 0)):
        tt = 2 * np.degrees(np.arcsin(lam * np.sqrt(sum(i * i for i in hkl)) / (2 * 4.2307)))
        assert np.min(np.abs(ticks - tt)) < 0.02, hkl
    rc, text, err = cli("xrd", "identify", out, "--phases", "Mg3AsN,MgO", "--json", "--plot", tmp_path / "i.png")
    assert rc in (0, 3), err
    d = json.loads(text)
    ax = figures[1].axes[0]
    assert ax.get_xlabel().startswith("2θ / °") and "Mg3AsN" in ax.get_title()
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert {"observed", "calculated", "difference"} <= set(legend)
    assert sum(t.startswith("Mg3AsN") for t in legend) == 1 and d["present"][0] == "Mg3AsN"


def test_eis_suggest_plot(cli, tmp_path, figures):
    from sselab.eis import simulate_spectrum
    from sselab.io.writers import write_spectrum_csv

    s = simulate_spectrum("R0-p(R1,CPE1)-CPE2", {"R0": 10.0, "R1": 1000.0, "CPE1.Q": 1e-9, "CPE1.n": 0.9,
                                                "CPE2.Q": 1e-6, "CPE2.n": 0.8}, np.logspace(6, -1, 50), noise=0.002, seed=3)
    write_spectrum_csv(tmp_path / "s.csv", s)
    rc, out, err = cli("eis", "suggest", tmp_path / "s.csv", "--json", "--plot", tmp_path / "s.png")
    assert rc == 0, err
    best = json.loads(out)["best"]
    ax = figures[0].axes[0]
    assert _labels(ax) == ("Z' / Ω", "−Z'' / Ω")
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend[0] == "data" and legend[1].startswith(f"1. {best} (BIC")
    curve = next(ln for ln in ax.lines if ln.get_label().startswith("1."))
    assert len(curve.get_xdata()) == 400  # a smooth model on a dense grid, not the 50 measured points
    assert ax.get_data_ratio() * (np.ptp(ax.get_xlim()) / np.ptp(ax.get_ylim())) == pytest.approx(1.0, rel=0.05) \
        or ax.get_aspect() == 1.0


def test_deconvolve_plot(cli, tmp_path, figures):
    from sselab.eis import simulate_spectrum

    files = []
    from sselab.transport.geometry import SampleGeometry
    from sselab.units import K_B_EV

    cell = SampleGeometry.from_text("0.65 mm", diameter="13 mm").cell_constant_per_cm
    for i, tc in enumerate((40, 70, 100)):
        R = cell / (2e-7 * np.exp(-0.35 / K_B_EV * (1 / (tc + 273.15) - 1 / 313.15)))
        s = simulate_spectrum("R0-p(R1,CPE1)-CPE2", {"R0": 5.0, "R1": R + 2 * 14.6, "CPE1.Q": 1e-11, "CPE1.n": 0.95,
                                                      "CPE2.Q": 5e-6, "CPE2.n": 0.8}, noise=0.003, seed=i)
        p = tmp_path / f"stack_{tc}C.csv"
        p.write_text("freq/Hz,Re(Z)/Ohm,Im(Z)/Ohm\n" + "\n".join(
            f"{f},{z.real},{z.imag}" for f, z in zip(s.frequency_Hz, s.impedance_ohm)) + "\n")
        files.append(p)
    rc, out, err = cli("deconvolve", *files, "--reference", "14.6 ohm", "--thickness", "0.65 mm",
                       "--diameter", "13 mm", "--bulk", "R1", "--json", "--plot", tmp_path / "d.png")
    assert rc == 0, out
    table = json.loads(out)["table"]
    ax = figures[0].axes[0]
    assert ax.get_ylabel() == "R / Ω" and [t.get_text() for t in ax.get_xticklabels()] == ["40 °C", "70 °C", "100 °C"]
    grey, se = ax.patches[:3], ax.patches[3:]
    assert [p.get_height() for p in grey] == pytest.approx([29.2] * 3)
    assert [p.get_height() for p in se] == pytest.approx([r["R_SE_ion_ohm"] for r in table])


def test_bruce_vincent_plot(cli, tmp_path, figures):
    from sselab.io.writers import write_transient_csv
    from sselab.measurements import CurrentTransient

    I0, Is = 0.01 / 1300, 0.01 / 2600
    t = np.linspace(0, 6000, 400)
    write_transient_csv(tmp_path / "hold.csv", CurrentTransient(time_s=t, current_A=Is + (I0 - Is) * np.exp(-t / 300),
                                                                potential_V=np.full(t.size, 0.01)))
    rc, out, err = cli("dc", "bruce-vincent", tmp_path / "hold.csv", "--r0", "500", "--rss", "600",
                       "--plot", tmp_path / "bv.png")
    assert rc == 0, err
    ax = figures[0].axes[0]
    assert _labels(ax) == ("t / h", "|I| / A") and ax.get_yscale() == "log"
    levels = {ln.get_label(): ln.get_ydata()[0] for ln in ax.lines[1:]}
    assert levels["I0"] == pytest.approx(I0, rel=0.02) and levels["Is"] == pytest.approx(Is, rel=0.02)
    assert ax.get_title().startswith("t+ = ")
