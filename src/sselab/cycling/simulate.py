"""Simulated plating/stripping records and voltammograms with known truth.

The truth travels in ``metadata["truth"]`` of the returned measurement so that the virtual
study and the tests can compare what the analysis recovers with what was put in.

Galvanostatic model: in half-cycle ``k`` the voltage relaxes to the steady overpotential
``η_k`` as ``η_k (1 − exp(−t/τ))`` (τ = ``relax_fraction`` × the half-cycle duration), plus
Gaussian noise.  ``η_k`` is constant or grows linearly from the start to the end values (the
paper's Mg|eBE|SE|eBE|Mg cell: −0.1 → −2 V plating, +0.03 → +1.9 V stripping over 90 cycles
at ±0.01 mA); a jump adds ``jump_V`` (× sign) from ``jump_cycle`` on; from ``short_cycle`` on
the voltage is ohmic only, ``I·R_ohm``.  Rests have zero current plus noise.

Voltammogram model (Mg|SE-polymer|Mg, 60 °C, 0.1 mV/s): a triangular sweep
``E0 → E_low → E_high → E0``; current = Gaussian deposition peak on cathodic sweeps
(centre −1.6 V) + Gaussian dissolution peak on anodic sweeps (+1.4 V) + ohmic background
``E/R`` + capacitive ``C·dE/dt``.  With a Gaussian of half-width ``w`` the 10 %-of-peak
onset lies ``w·sqrt(ln 10)`` before the peak and the branch charge is ``i_p·w·sqrt(π)/ν``.

Examples
--------
>>> rec = simulate_cycling(n_cycles=3)
>>> rec.metadata["truth"]["n_cycles"]
3
"""

from __future__ import annotations

import numpy as np

from ..measurements import GalvanostaticRecord, Voltammogram


def simulate_cycling(
    n_cycles: int = 10,
    *,
    current_A: float = 1e-5,
    half_cycle_s: float = 3600.0,
    points_per_half: int = 60,
    eta_plating_V: float = -0.1,
    eta_stripping_V: float = 0.03,
    eta_plating_end_V: float | None = None,
    eta_stripping_end_V: float | None = None,
    relax_fraction: float = 0.05,
    noise_V: float = 0.0,
    rest_s: float = 0.0,
    rest_points: int = 10,
    current_noise_A: float = 0.0,
    short_cycle: int | None = None,
    r_ohm: float = 100.0,
    jump_cycle: int | None = None,
    jump_V: float = 0.0,
    first: str = "plating",
    formation_s: float | None = None,
    cut_fraction: float | None = None,
    area_cm2: float | None = None,
    seed: int = 0,
) -> GalvanostaticRecord:
    """A symmetric-cell record with known per-cycle overpotentials (module docstring).

    ``first`` is the sign of the first half-cycle ("plating" = negative current);
    ``formation_s`` prepends a formation step of that duration at half the current;
    ``cut_fraction`` cuts the record inside the last half-cycle at that fraction of it.
    The truth dict holds per-cycle arrays "eta_plating_V", "eta_stripping_V", and
    "n_cycles", "short_cycle", "jump_cycle", "growth_V_per_cycle", "growth_V_per_h".
    """
    rng = np.random.default_rng(seed)
    k = np.arange(n_cycles)
    frac = k / max(n_cycles - 1, 1)
    ep = eta_plating_V + ((eta_plating_end_V if eta_plating_end_V is not None else eta_plating_V)
                          - eta_plating_V) * frac
    es = eta_stripping_V + ((eta_stripping_end_V if eta_stripping_end_V is not None else eta_stripping_V)
                            - eta_stripping_V) * frac
    cyc = k + 1
    if jump_cycle is not None:
        ep = np.where(cyc >= jump_cycle, ep - abs(jump_V), ep)
        es = np.where(cyc >= jump_cycle, es + abs(jump_V), es)
    if short_cycle is not None:
        ep = np.where(cyc >= short_cycle, -current_A * r_ohm, ep)
        es = np.where(cyc >= short_cycle, current_A * r_ohm, es)

    order = (-1, 1) if first == "plating" else (1, -1)
    ts, is_, vs = [], [], []
    t0 = 0.0

    def add_rest() -> None:
        nonlocal t0
        if rest_s <= 0:
            return
        tt = t0 + np.linspace(0, rest_s, rest_points, endpoint=False)
        ts.append(tt)
        is_.append(rng.normal(0, current_noise_A, tt.size))
        vs.append(rng.normal(0, noise_V, tt.size))
        t0 += rest_s

    def add_step(sign: int, eta: float, dur: float, amp: float, n: int) -> None:
        nonlocal t0
        tt = np.linspace(0, dur, n)
        tau = relax_fraction * half_cycle_s
        ts.append(t0 + tt)
        is_.append(sign * amp + rng.normal(0, current_noise_A, n))
        vs.append(eta * (1 - np.exp(-tt / tau)) + rng.normal(0, noise_V, n))
        t0 += dur + half_cycle_s / (points_per_half - 1)

    if formation_s:
        add_step(order[0], eta_plating_V if order[0] < 0 else eta_stripping_V, formation_s, 0.5 * current_A,
                 max(points_per_half, int(points_per_half * formation_s / half_cycle_s)))
        add_rest()
    for j in range(n_cycles):
        for sgn in order:
            add_step(sgn, ep[j] if sgn < 0 else es[j], half_cycle_s, current_A, points_per_half)
            add_rest()
    t = np.concatenate(ts)
    i = np.concatenate(is_)
    v = np.concatenate(vs)
    if cut_fraction is not None:
        n_keep = t.size - int(round((1 - cut_fraction) * points_per_half)) - (rest_points if rest_s > 0 else 0)
        t, i, v = t[:n_keep], i[:n_keep], v[:n_keep]
    period_h = 2 * (half_cycle_s + (rest_s if rest_s > 0 else 0) + half_cycle_s / (points_per_half - 1)) / 3600
    growth = float((es[-1] - ep[-1] - es[0] + ep[0]) / max(n_cycles - 1, 1)) if short_cycle is None else None
    truth = {
        "n_cycles": n_cycles if cut_fraction is None else n_cycles - 1,
        "eta_plating_V": ep, "eta_stripping_V": es,
        "short_cycle": short_cycle, "jump_cycle": jump_cycle,
        "growth_V_per_cycle": growth,
        "growth_V_per_h": None if growth is None else growth / period_h,
        "current_A": current_A,
    }
    return GalvanostaticRecord(
        time_s=t, current_A=i, voltage_V=v, source="simulated plating/stripping",
        instrument="sselab.cycling.simulate", area_cm2=area_cm2, metadata={"truth": truth},
    )


def paper_mg_cycling(**overrides: object) -> GalvanostaticRecord:
    """The paper's Mg|eBE|SE|eBE|Mg test: ±0.01 mA, 90 cycles, −0.1 → −2 V / +0.03 → +1.9 V.

    Half-cycles of 1 h (the paper does not state the step length), 1.327 cm² electrodes.
    """
    kw: dict = dict(n_cycles=90, current_A=1e-5, half_cycle_s=3600.0, points_per_half=40,
                    eta_plating_V=-0.1, eta_stripping_V=0.03, eta_plating_end_V=-2.0,
                    eta_stripping_end_V=1.9, noise_V=0.002, area_cm2=1.327)
    kw.update(overrides)
    return simulate_cycling(**kw)  # type: ignore[arg-type]


def simulate_voltammogram(
    *,
    e_start_V: float = 0.0,
    e_low_V: float = -2.0,
    e_high_V: float = 2.0,
    scan_rate_V_per_s: float = 1e-4,
    n_cycles: int = 2,
    step_V: float = 0.002,
    deposition_peak_V: float = -1.6,
    deposition_peak_A: float = 2e-5,
    dissolution_peak_V: float = 1.4,
    dissolution_peak_A: float = 1.6e-5,
    width_V: float = 0.15,
    r_ohm: float = 1e7,
    capacitance_F: float = 1e-3,
    noise_A: float = 0.0,
    seed: int = 0,
) -> Voltammogram:
    """A Mg|SE-polymer|Mg voltammogram with Gaussian deposition/dissolution peaks.

    Truth in ``metadata["truth"]``: peak potentials and currents, 10 % onsets, branch charges
    (of the peaks alone) and their ratio (coulombic efficiency).
    """
    rng = np.random.default_rng(seed)
    legs = [(e_start_V, e_low_V), (e_low_V, e_high_V), (e_high_V, e_start_V)]
    pieces = []
    for _ in range(n_cycles):
        for a, b in legs:
            n = max(2, int(round(abs(b - a) / step_V)))
            pieces.append(np.linspace(a, b, n + 1)[:-1])
    e = np.r_[np.concatenate(pieces), e_start_V]
    t = np.r_[0.0, np.cumsum(np.abs(np.diff(e)) / scan_rate_V_per_s)]
    direction = np.sign(np.gradient(e))
    g = lambda centre: np.exp(-(((e - centre) / width_V) ** 2))  # noqa: E731
    i = (np.where(direction < 0, -deposition_peak_A * g(deposition_peak_V), 0.0)
         + np.where(direction > 0, dissolution_peak_A * g(dissolution_peak_V), 0.0)
         + e / r_ohm + capacitance_F * direction * scan_rate_V_per_s
         + rng.normal(0, noise_A, e.size))
    onset = width_V * np.sqrt(np.log(10))
    q_dep = deposition_peak_A * width_V * np.sqrt(np.pi) / scan_rate_V_per_s
    q_dis = dissolution_peak_A * width_V * np.sqrt(np.pi) / scan_rate_V_per_s
    truth = {
        "deposition_peak_V": deposition_peak_V, "deposition_peak_A": -deposition_peak_A,
        "dissolution_peak_V": dissolution_peak_V, "dissolution_peak_A": dissolution_peak_A,
        "deposition_onset_V": deposition_peak_V + onset, "dissolution_onset_V": dissolution_peak_V - onset,
        "plating_charge_C": q_dep, "stripping_charge_C": q_dis, "coulombic_efficiency": q_dis / q_dep,
        "n_cycles": n_cycles,
    }
    return Voltammogram(time_s=t, potential_V=e, current_A=i, scan_rate_V_per_s=scan_rate_V_per_s,
                        source="simulated Mg|SE-polymer|Mg CV", instrument="sselab.cycling.simulate",
                        metadata={"truth": truth})
