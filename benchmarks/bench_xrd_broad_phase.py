"""as-BM at the paper's counting statistics (Rexp 4.49 %): does a weak phase broaden into background?

Simulates the virtual study's as-BM pattern (sselab.simulate.structure._paper_statistics_pattern,
seed 300 + SEED as the virtual study's seed SEED), refines it as the pipeline does (6 background
terms, 15–90°, refine_atoms) and prints R factors, per-phase wt% ± esd, D, ε and the verdict.
Usage: PYTHONPATH=src python benchmarks/bench_xrd_broad_phase.py SEED [SEED ...]  (two or more
seeds: paper statistics only; one seed: also the pattern's own Poisson statistics).  ~20 s a fit.
"""
import sys, time
from dataclasses import replace
from sselab.simulate import structure as st
from sselab.xrd import get_phase, refine
from sselab.xrd.rietveld import instrument_for
from sselab.xrd.reflections import _orbit_groups

seeds = [int(s) for s in sys.argv[1:]] or [0]
spec = st.xrd_samples()["as-BM"]
for seed in seeds:
    for match in (True,) if len(sys.argv) > 2 else (True, False):
        pat, ag = st.sample_pattern("as-BM", seed + 300, match=match)
        ph = [get_phase(n) for n in spec.a_A]
        labels, orbits = _orbit_groups(ph[0])
        held = max(range(len(labels)), key=lambda i: len(orbits[i]))
        occ = tuple(f"{ph[0].name}.occ_{lab}" for i, lab in enumerate(labels) if i != held)
        minor = tuple(f"{p.name}.{k}" for p in ph[1:] for k in ("x_*", "y_*", "z_*", "B_*"))
        inst = replace(instrument_for(pat, None), K=0.9)
        t = time.time()
        res = refine(pat, ph, inst, n_background=6, two_theta_range=st.REFINE_RANGE_DEG, refine_atoms=True,
                     occupancies=occ, fixed=minor)
        print(f"seed {seed} match={match} b={ag['background_factor']:.2f} t={time.time()-t:.0f}s Rp {res.Rp:.2f} Rwp {res.Rwp:.2f} Rexp {res.Rexp:.2f} chi2 {res.chi2:.2f} status {res.verdict.status}")
        for p in res.phases:
            print(f"   {p.name}: wf {p.weight_fraction:.4f} ± {p.weight_fraction_stderr or float('nan'):.4f}  D {p.crystallite_size_nm}  eps {p.microstrain}")
        print("   reasons:", sorted({(r.code, r.severity) for r in res.verdict.reasons}))
        [print("   ", r.message) for r in res.verdict.reasons if r.code in ("phase_fraction_unreliable", "size_at_lower_bound")]
