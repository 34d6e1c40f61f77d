"""The small studies of the workbench tests: simulated files analysed by sselab, in a SQLite store.

(A module with a unique name, imported by ``conftest.py`` and the tests.)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

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

    def add_views(self) -> dict:
        return add_views(self)
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


#: (sample, Ea [eV], σ0 [S/cm]) of the Arrhenius data added by :func:`add_transport`.
ARRHENIUS = (("HP", 0.35, 1.0e2), ("asBM", 0.45, 5.0e2))
TEMPERATURES_K = (313.15, 333.15, 353.15, 373.15)


def add_transport(study: DemoStudy) -> None:
    """Store an exact Arrhenius fit per sample (σ = σ0 exp(−Ea/kT) at four temperatures): HP's as
    an ``arrhenius`` result, asBM's nested in a ``deconvolution`` result as the pipeline stores it."""
    from sselab.store import AnalysisKey, AnalysisRecord, SampleInfo, open_store
    from sselab.transport.arrhenius import arrhenius
    from sselab.units import K_B_EV

    with open_store(study.db) as store:
        for sample, ea, s0 in ARRHENIUS:
            sigma = [s0 * np.exp(-ea / (K_B_EV * t)) for t in TEMPERATURES_K]
            res = arrhenius(list(TEMPERATURES_K), sigma).to_dict()
            method = "arrhenius"
            if sample == "asBM":
                method, res = "deconvolution", {"table": [], "arrhenius": res, "Ea_eV": res["Ea_eV"]}
            key = AnalysisKey(sample * 32, method, "0" * 64, "test")
            store.record(AnalysisRecord(key=key, sample=SampleInfo("demo", sample), result=res))


#: Truth of the records added by :func:`add_views`.
DC_TRUTH = {"sample": "HP", "sigma_ion_S_per_cm": 3.0e-6, "sigma_el_S_per_cm": 1.0e-6, "thickness_m": 6.5e-4,
            "area_m2": 1.327e-4, "voltages_V": (0.25, 0.5, 0.75)}
CYCLING_TRUTH = {"sample": "asBM", "n_cycles": 6, "eta_plating_V": -0.1, "eta_stripping_V": 0.03,
                 "eta_plating_end_V": -0.4, "eta_stripping_end_V": 0.25}
CV_TRUTH = {"sample": "HP", "deposition_peak_V": -1.6, "dissolution_peak_V": 1.4}
#: A two-phase refinement in the shape the coming ``xrd_refine`` analysis stores.
XRD_PHASES = {"Mg3AsN": {"a_Angstrom": 9.8617, "density_g_per_cm3": 3.94, "weight_fraction": 0.93,
                         "crystallite_size_nm": 31.0, "microstrain": 0.0012},
              "MgO": {"a_Angstrom": 4.2112, "density_g_per_cm3": 3.58, "weight_fraction": 0.07,
                      "crystallite_size_nm": 55.0, "microstrain": 0.0004}}
XRD_TICKS = {"Mg3AsN": [31.0, 42.9], "MgO": [36.1]}
XRD_STATS = {"Rp": 5.1, "Rwp": 7.2, "Rexp": 4.8, "chi2": 2.25}
#: Atomic % per sputter step of the ``xps_profile`` record.
XPS_PROFILE = {"Mg 2p": [40.0, 48.0, 51.0], "As 3d": [10.0, 17.0, 19.0], "N 1s": [12.0, 20.0, 24.0],
               "O 1s": [38.0, 15.0, 6.0]}


def _record(store, sample, method: str, result: dict, infos: tuple = (), geometry: tuple = (None, None)) -> int:
    from sselab.store import AnalysisKey, AnalysisRecord, SampleInfo

    digest = (infos[0].input_hash if infos else method.ljust(64, "0"))[:64]
    key = AnalysisKey(digest, method, str(len(infos)).ljust(64, "0"), "test")
    return store.record(AnalysisRecord(key=key, sample=SampleInfo("demo", sample, None, *geometry),
                                       measurements=tuple(infos), result=result, task_id=f"{sample}/{method}"))


def add_views(study: DemoStudy) -> dict:
    """Store DC, cycling, CV (run by the pipeline's own executors on simulated files), XRD and XPS results."""
    from sselab.cycling.simulate import simulate_cycling, simulate_voltammogram
    from sselab.io.writers import write_galvanostatic_csv, write_transient_csv, write_voltammogram_csv
    from sselab.store import MeasurementInfo, open_store
    import sselab.study.analyses  # noqa: F401 - registers the executors
    from sselab.study.tasks import Task, run_task
    from sselab.transport.geometry import SampleGeometry
    from sselab.transport.simulate import simulate_polarisation
    from sselab.web.studydata import file_hash

    root, ids = study.root, {}
    for sub in ("dc", "cycling", "cv"):
        (root / sub).mkdir(exist_ok=True)
    dc = DC_TRUTH
    geometry = (dc["thickness_m"], dc["area_m2"])
    g = SampleGeometry(*geometry)
    context = {"study": "demo", "thickness_m": geometry[0], "area_m2": geometry[1], "temperature_K": 373.15}

    def info(path: Path, technique: str, voltage_V: float | None = None) -> MeasurementInfo:
        return MeasurementInfo(path.relative_to(root).as_posix(), technique, file_hash(path),
                               temperature_K=373.15, voltage_V=voltage_V)

    def task(kind: str, sample: str, technique: str, files: list[Path], settings: dict, extra: dict) -> dict:
        return run_task(Task(f"{sample}/{kind}", kind, sample, technique, tuple(files), settings, context | extra))

    with open_store(study.db) as store:
        files = []
        for k, v in enumerate(dc["voltages_V"]):
            ct = simulate_polarisation(dc["sigma_ion_S_per_cm"], dc["sigma_el_S_per_cm"], g, potential_V=v,
                                       time_constants_s=(300.0,), duration_s=3000.0, interval_s=20.0, seed=k)
            path = root / "dc" / f"HP_{v:.2f}V.csv"
            write_transient_csv(path, ct)
            files.append(path)
            res = task("dc_transient", "HP", "dc", [path], {"steady_fraction": 0.1, "initial_current": "first"},
                       {"voltage_V": v})
            ids.setdefault("dc", []).append(_record(store, "HP", "dc_transient", res, (info(path, "dc", v),), geometry))
        res = task("dc_electronic", "HP", "dc", files, {"steady_fraction": 0.1}, {"voltages_V": list(dc["voltages_V"])})
        ids["iv"] = _record(store, "HP", "dc_electronic", res, tuple(info(p, "dc", v) for p, v in zip(files, dc["voltages_V"])),
                            geometry)
        c = CYCLING_TRUTH
        rec = simulate_cycling(n_cycles=c["n_cycles"], points_per_half=30, eta_plating_V=c["eta_plating_V"],
                               eta_stripping_V=c["eta_stripping_V"], eta_plating_end_V=c["eta_plating_end_V"],
                               eta_stripping_end_V=c["eta_stripping_end_V"], seed=1)
        path = root / "cycling" / "asBM_cycling.csv"
        write_galvanostatic_csv(path, rec)
        res = task("cycling", "asBM", "cycling", [path], {}, {})
        ids["cycling"] = _record(store, "asBM", "cycling", res, (info(path, "cycling"),))
        vg = simulate_voltammogram(n_cycles=1, step_V=0.01, noise_A=1e-8, seed=2)
        path = root / "cv" / "HP_cv.csv"
        write_voltammogram_csv(path, vg)
        res = task("cv", "HP", "cv", [path], {}, {})
        ids["cv"] = _record(store, "HP", "cv", res, (info(path, "cv"),))
        tt = np.round(np.arange(20.0, 80.0, 0.05), 3)
        calc = 50.0 + sum(h * np.exp(-0.5 * ((tt - x0) / 0.08) ** 2) for x0, h in ((31.0, 900.0), (36.1, 400.0), (42.9, 650.0)))
        obs = calc + np.random.default_rng(3).normal(0.0, 3.0, tt.size)
        xrd = {"phases": XRD_PHASES, **XRD_STATS, "ticks_deg": XRD_TICKS,
               "curves": {"two_theta_deg": tt.tolist(), "observed": obs.tolist(), "calculated": calc.tolist()}}
        ids["xrd"] = _record(store, "HP", "xrd_refine", xrd)
        be = np.linspace(45.0, 55.0, 101)
        peak = 1000.0 * np.exp(-0.5 * ((be - 49.8) / 0.5) ** 2)
        xps = {"sputter_time_s": [0.0, 600.0, 1200.0], "depth_nm": [0.0, 10.0, 20.0], "rate_nm_per_min": 1.0,
               "element_atomic_percent": XPS_PROFILE, "rsf_source": "test",
               "curves": {"region": "Mg 2p", "binding_energy_eV": be.tolist(), "counts": (peak + 200.0).tolist(),
                          "background": [200.0] * be.size, "fit": (peak + 200.0).tolist()}}
        ids["xps"] = _record(store, "HP", "xps_profile", xps)
    return ids


def client(study, **kwargs):
    """A TestClient on the study's workbench, as if from the loopback address."""
    import warnings

    with warnings.catch_warnings():  # starlette's note that httpx will be replaced
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    from sselab.web.app import create_app
    from sselab.web.config import WorkbenchConfig

    return TestClient(create_app(WorkbenchConfig.from_target(study.db, **kwargs)), base_url="http://127.0.0.1")


def wait_job(c, job_id: str, timeout: float = 60.0) -> dict:
    """Poll a background job until it is done or failed."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = c.get(f"/api/jobs/{job_id}").json()
        if job["status"] in ("done", "error"):
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} did not finish")

