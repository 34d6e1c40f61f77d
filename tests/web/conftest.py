"""A small study for the workbench tests: simulated spectra written as CSV, in a SQLite store."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest

CIRCUIT = "R0-p(R1,CPE1)-CPE2"
TRUTH = {"R0": 50.0, "R1": 2.0e4, "CPE1.Q": 2e-10, "CPE1.n": 0.9, "CPE2.Q": 1e-6, "CPE2.n": 0.8}
#: (sample, temperature [K], R1 [Ω]) of the simulated spectra.
SPECTRA = (("HP", 313.15, 2.0e4), ("HP", 353.15, 4.0e3), ("asBM", 313.15, 8.0e4))


@dataclass
class DemoStudy:
    root: Path
    db: Path
    ids: list[int] = field(default_factory=list)
    circuit: str = CIRCUIT

    @property
    def arrhenius(self) -> tuple[tuple[str, float, float], ...]:
        return ARRHENIUS

    def add_transport(self) -> None:
        add_transport(self)
    truth: list[dict[str, float]] = field(default_factory=list)


def make_study(root: Path) -> DemoStudy:
    """Write three noisy simulated spectra and register them in ``root/results.sqlite``."""
    from sselab.eis import simulate_spectrum
    from sselab.io import read
    from sselab.io.writers import write_spectrum_csv
    from sselab.store import open_store
    from sselab.web.studydata import StudyData

    (root / "eis").mkdir(parents=True)
    db = root / "results.sqlite"
    study = DemoStudy(root=root, db=db)
    f = np.logspace(6, -1, 40)
    with open_store(db) as store:
        data = StudyData(store, root, "demo")
        for k, (sample, t_k, r1) in enumerate(SPECTRA):
            truth = {**TRUTH, "R1": r1}
            s = simulate_spectrum(CIRCUIT, truth, f, noise=0.003, seed=k, temperature_K=t_k)
            path = root / "eis" / f"{sample}_{t_k - 273.15:.0f}C.csv"
            write_spectrum_csv(path, s)
            study.ids += data.import_file(path, sample, read(path, "spectrum"), "spectrum")
            study.truth.append(truth)
    return study


@pytest.fixture
def demo_study(tmp_path: Path) -> DemoStudy:
    return make_study(tmp_path / "study")


#: (sample, Ea [eV], σ0 [S/cm]) of the Arrhenius data added by :func:`add_transport`.
ARRHENIUS = (("HP", 0.35, 1.0e2), ("asBM", 0.45, 5.0e2))
TEMPERATURES_K = (313.15, 333.15, 353.15, 373.15)


def add_transport(study: DemoStudy) -> None:
    """Store an exact Arrhenius fit per sample (σ = σ0 exp(−Ea/kT) at four temperatures)."""
    from sselab.store import AnalysisKey, AnalysisRecord, SampleInfo, open_store
    from sselab.transport.arrhenius import arrhenius
    from sselab.units import K_B_EV

    with open_store(study.db) as store:
        for sample, ea, s0 in ARRHENIUS:
            sigma = [s0 * np.exp(-ea / (K_B_EV * t)) for t in TEMPERATURES_K]
            res = arrhenius(list(TEMPERATURES_K), sigma).to_dict()
            key = AnalysisKey(sample * 32, "arrhenius", "0" * 64, "test")
            store.record(AnalysisRecord(key=key, sample=SampleInfo("demo", sample), result=res))
