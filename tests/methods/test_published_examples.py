"""The transport methods of issue 23 on published worked examples, where one could be read.

Bruce–Vincent/Evans: Table 1 of J. Evans, C. A. Vincent and P. G. Bruce, "Electrochemical
measurement of transference numbers in polymer electrolytes", Polymer 28 (1987) 2324, as
transcribed in the public text
MKMiyagi/Multi-Agent-Framework-for-Solid-State-Batteries@3a44fd7bb563b35909a4109bb7a2786720674a6d:
processed_text_only/bruce-vincent-method_transference-number.md (Li|PEO–LiCF3SO3 (9:1)|Li, 90 °C):
per polarisation ΔV [mV], R° and Rˢ (passivating-layer resistance before and at steady state) [Ω],
I° and Iˢ [µA], and the T+ the authors computed (two decimals).

The transcription's first row (cell 1: ΔV 10, R° 156, Rˢ 250, I° 30, Iˢ 10.15, T+ 0.47) does not
reproduce its own T+ by the paper's equation (it gives 0.24; I° = 20 µA would give 0.47): a
misprint in the source or the transcription that cannot be settled from what is readable, so the
row is left out and only the five that reproduce are used.  Hebb–Wagner, critical current density
and the stack diagnosis: no published worked example with readable input numbers was found
(RESULTS.md says what was searched).
"""

from __future__ import annotations

import pytest

from sselab.dc.bruce_vincent import bruce_vincent

#: (label, ΔV [mV], R0 [Ω], Rss [Ω], I0 [µA], Is [µA], T+ as published)
EVANS_1987_TABLE_1 = [
    ("cell 1 after 95 h recovery", 10.0, 243.0, 250.0, 17.54, 10.78, 0.48),
    ("cell 2", 10.2, 150.0, 249.0, 21.0, 10.10, 0.44),
    ("cell 2 after 112 h recovery", 10.2, 246.0, 244.0, 17.57, 10.18, 0.44),
    ("cell 3", 10.2, 136.0, 197.0, 19.93, 10.42, 0.48),
    ("cell 3 after 81 h recovery", 10.2, 209.0, 213.0, 17.51, 10.10, 0.47),
]


@pytest.mark.parametrize("label, dV_mV, R0, Rss, I0_uA, Is_uA, published", EVANS_1987_TABLE_1,
                         ids=[r[0] for r in EVANS_1987_TABLE_1])
def test_bruce_vincent_reproduces_evans_vincent_bruce_1987_table_1(label, dV_mV, R0, Rss, I0_uA, Is_uA, published):
    r = bruce_vincent(dV_mV * 1e-3, I0_uA * 1e-6, Is_uA * 1e-6, R0, Rss)
    assert abs(r.t_plus - published) <= 0.005 + 1e-9, (label, r.t_plus)  # published to two decimals
    assert r.verdict.status != "failed"


def test_evans_1987_mean_and_the_uncorrected_ratio():
    """The paper's mean T+ 0.46 ± 0.02 over its polarisations, and its warning that Iˢ/I° alone
    gives 'a very large and variable error — a value of 0.61 was calculated in one case'."""
    results = [bruce_vincent(dV * 1e-3, I0 * 1e-6, Is * 1e-6, R0, Rss) for _, dV, R0, Rss, I0, Is, _ in EVANS_1987_TABLE_1]
    mean = sum(r.t_plus for r in results) / len(results)
    assert abs(mean - 0.46) <= 0.02
    uncorrected = [r.t_plus_uncorrected for r in results]
    assert any(abs(u - 0.61) < 0.005 for u in uncorrected)  # cell 1 after recovery: 10.78/17.54 = 0.615
    assert max(abs(u - r.t_plus) for u, r in zip(uncorrected, results)) > 0.1
