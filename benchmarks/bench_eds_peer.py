"""EDS line intensities and Cliff–Lorimer quantification: sselab vs eXSpy (HyperSpy) on real spectra.

Peer: exspy 0.3.2 / hyperspy 2.5.0 (``pip install exspy==0.3.2`` in the peers' venv), its
EDS_SEM model fit (``create_model().fit()``, ``get_lines_intensity``) and
``quantification(method="CL")``.  Data: NIST K412 glass (stated mass %) and albite
(NaAlSi3O8, ideal composition), /work/shared/data/sem-eds.  Both tools get the same elements;
the k-factors for albite are measured on K412 by each tool from its own intensities.

    benchmarks/.venv-peers/bin/python benchmarks/bench_eds_peer.py
"""

from __future__ import annotations

import sys
import time
import warnings
from pathlib import Path

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "sem-eds"
if not DATA.is_dir():
    DATA = Path("/work/shared/data/sem-eds")
K412 = {"O": 42.758, "Mg": 11.657, "Al": 4.906, "Si": 21.198, "Ca": 10.899, "Fe": 7.774}
ALBITE = {"O": 48.81, "Na": 8.77, "Al": 10.29, "Si": 32.13}


def sselab_intensities(path, elements):
    from sselab.eds import lines as L
    from sselab.eds.peaks import families_for, fit_lines
    from sselab.eds.spectrum import read_eds

    sp = read_eds(path)[0]
    fit = fit_lines(sp.energy_keV, sp.counts, families_for(elements, sp.beam_energy_keV, sp.energy_keV.max()))
    return {el: fit.intensities[f"{el}_{L.best_family(el, sp.beam_energy_keV)}"] for el in elements}


def exspy_intensities(path, elements):
    import hyperspy.api as hs

    s = hs.load(str(path), signal_type="EDS_SEM")
    s.set_elements(elements)
    s.add_lines()
    m = s.create_model()
    m.fit()
    out = {}
    for i in m.get_lines_intensity():
        title = i.metadata.General.title
        el, line = title.split()[0].split("_")
        if line == "Ka":
            out[el] = float(i.data.ravel()[0])
    return out


def compose(intens, k):
    c = {el: k[el] * intens[el] for el in k}
    tot = sum(c.values())
    return {el: 100 * v / tot for el, v in c.items()}


def main() -> int:
    warnings.filterwarnings("ignore")
    print(f"python {sys.version.split()[0]}")
    els = list(K412) + ["C"]
    rows = {}
    for name, f in (("sselab", sselab_intensities), ("exspy", exspy_intensities)):
        t = time.perf_counter()
        ik = f(DATA / "nist_K412_glass.msa", els)
        ia = f(DATA / "bruker_albite.spx", list(ALBITE) + ["C", "K", "Ca"])
        rows[name] = (ik, ia, time.perf_counter() - t)
    print("\nK412 main-line net intensities [counts]")
    print(f"{'el':<4}{'sselab':>12}{'exspy':>12}{'ratio':>8}")
    for el in K412:
        a, b = rows["sselab"][0][el], rows["exspy"][0][el]
        print(f"{el:<4}{a:12.0f}{b:12.0f}{a / b:8.3f}")
    print("\nalbite wt.% (O, Al, Si renormalised) with k-factors measured on K412 by the same tool")
    ideal = {el: ALBITE[el] for el in ("O", "Al", "Si")}
    tot = sum(ideal.values())
    print(f"{'el':<4}{'ideal':>8}{'sselab':>8}{'exspy':>8}")
    res = {}
    for name in rows:
        ik, ia, _ = rows[name]
        k = {el: K412[el] / ik[el] for el in ideal}
        res[name] = compose(ia, k)
    for el in ideal:
        print(f"{el:<4}{100 * ideal[el] / tot:8.1f}{res['sselab'][el]:8.1f}{res['exspy'][el]:8.1f}")
    print(f"\ntime for both spectra: sselab {rows['sselab'][2]:.1f} s, exspy {rows['exspy'][2]:.1f} s (incl. imports)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
