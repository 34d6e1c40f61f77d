"""Internal-standard QPA: absolute wt% and amorphous content recovered from a simulated spiked sample."""

from __future__ import annotations

import json

import numpy as np
import pytest

from sselab.exceptions import SselabError
from sselab.measurements import DiffractionPattern
from sselab.xrd.library import lab6, mg3asn, zro2_monoclinic
from sselab.xrd.quant import internal_standard
from sselab.xrd.rietveld import refine
from sselab.xrd.simulate import simulate_pattern

X = np.arange(15, 100, 0.02)
# spiked mixture: 10 wt% LaB6 standard; the rest (90 wt%) is 70 % crystalline (Mg3AsN 2 : ZrO2-m 1) and 30 % amorphous
TRUTH = {"LaB6": 0.10, "Mg3AsN": 0.42, "ZrO2-m": 0.21}


def _spiked(seed: int = 11) -> DiffractionPattern:
    phases = [lab6(), mg3asn(), zro2_monoclinic()]
    clean = simulate_pattern(phases, X, weight_fractions=TRUTH, peak_counts=2e4, noise=False)
    hump = 300.0 * np.exp(-0.5 * ((X - 28.0) / 6.0) ** 2)  # the amorphous part: a broad hump, no Bragg peak
    y = np.random.default_rng(seed).poisson(clean.intensity + hump).astype(float)
    return DiffractionPattern(source="spiked", instrument="sim", two_theta_deg=X, intensity=y,
                              sigma=np.sqrt(np.maximum(y, 1.0)), wavelength_A=clean.wavelength_A)


@pytest.fixture(scope="module")
def refined():
    pat = _spiked()
    return pat, refine(pat, [lab6(), mg3asn(), zro2_monoclinic()], n_background=12)


def test_amorphous_content_and_absolute_fractions_recovered(refined):
    _, res = refined
    q = internal_standard(res, "LaB6", 10.0)
    assert q.amorphous_wt_percent == pytest.approx(30.0, abs=max(3 * q.amorphous_wt_percent_stderr, 0.3))
    assert 0.05 < q.amorphous_wt_percent_stderr < 3.0
    assert q.amorphous_wt_percent_in_mixture == pytest.approx(27.0, abs=max(3 * q.amorphous_wt_percent_in_mixture_stderr, 0.3))
    for name, truth in (("Mg3AsN", 42.0), ("ZrO2-m", 21.0)):
        assert q.wt_percent_in_mixture[name] == pytest.approx(truth, abs=max(3 * q.wt_percent_in_mixture_stderr[name], 0.3))
        assert q.wt_percent_in_sample[name] == pytest.approx(truth / 0.9, abs=max(3 * q.wt_percent_in_sample_stderr[name], 0.3))
    # the relative (Hill–Howard) fractions ignore the amorphous part: Mg3AsN 42/73
    assert res.phase("Mg3AsN").weight_fraction == pytest.approx(42 / 73, abs=0.02)
    # a weighing uncertainty adds to the amorphous uncertainty
    q2 = internal_standard(res, "LaB6", 10.0, 0.5)
    assert q2.amorphous_wt_percent_stderr > q.amorphous_wt_percent_stderr
    assert q.to_dict()["status"] == "ok" and "amorphous_wt_percent_stderr" in q.to_dict()


def test_wrong_standard_amount_is_flagged(refined):
    _, res = refined
    q = internal_standard(res, "LaB6", 30.0)  # stated far too much standard → crystalline sum > 100 %
    assert q.amorphous_wt_percent < 0 and "amorphous_negative" in q.verdict.codes
    with pytest.raises(SselabError):
        internal_standard(res, "Si", 10.0)
    with pytest.raises(SselabError):
        internal_standard(res, "LaB6", 100.0)


def test_cli_internal_standard(refined, cli, tmp_path):
    from sselab.io.formats.xrd_xy import write_xye

    pat, _ = refined
    f = write_xye(tmp_path / "spiked.xye", pat)
    rc, out, err = cli("xrd", "refine", f, "--phases", "LaB6,Mg3AsN,ZrO2-m", "--background", "chebyshev:12",
                        "--internal-standard", "LaB6=10", "--json")
    assert rc == 0, err
    d = json.loads(out)["internal_standard"]
    assert d["standard"] == "LaB6" and d["standard_wt_percent"] == 10.0
    assert d["amorphous_wt_percent"] == pytest.approx(30.0, abs=max(3 * d["amorphous_wt_percent_stderr"], 0.3))
    rc, out, _ = cli("xrd", "refine", f, "--phases", "LaB6,Mg3AsN,ZrO2-m", "--background", "chebyshev:12",
                      "--internal-standard", "LaB6=10")
    assert rc == 0 and "amorphous" in out
    rc, _, err = cli("xrd", "refine", f, "--phases", "LaB6,Mg3AsN", "--internal-standard", "LaB6")
    assert rc == 2 and "PHASE=WT" in err
