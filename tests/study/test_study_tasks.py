"""Tasks: stable keys, sensitive to content, context, settings and version; the registry."""

from __future__ import annotations

import hashlib
import pickle
import shutil
from pathlib import Path

import pytest

from sselab.exceptions import AnalysisError
from sselab.study import tasks as tasks_mod
from sselab.study.manifest import load_manifest
from sselab.study.tasks import build_tasks, canonical_json, file_hash, run_task, settings_hash, task_kind

DATA = Path(__file__).with_name("data")


def _copy(tmp_path: Path, name: str = "study") -> Path:
    shutil.copytree(DATA, tmp_path / name)
    return tmp_path / name / "study.yaml"


def _keys(manifest: Path, **kw) -> dict[str, tuple]:
    return {t.id: t.key for t in build_tasks(load_manifest(manifest), **kw)}


def test_tasks_of_the_example():
    tasks = build_tasks(load_manifest(DATA / "study.yaml"), version="9.9")
    assert len(tasks) == 9 and len({t.id for t in tasks}) == 9
    first = tasks[0]
    assert first.id == "as-BM/eis/eis/asBM_eBE_40C.csv" and first.kind == "eis_fit"
    assert first.files == ((DATA / "eis" / "asBM_eBE_40C.csv").resolve(),)
    assert first.context["temperature_K"] == pytest.approx(313.15)
    assert first.context["cell"] == "Mg|eBE|SE|eBE|Mg" and first.context["thickness_m"] == pytest.approx(6.5e-4)
    assert first.key.sselab_version == "9.9" and first.key.method == "eis_fit"
    assert [t.kind for t in tasks][-2:] == ["dc_transient", "dc_transient"]
    assert first.settings_hash == hashlib.sha256(canonical_json(first.settings).encode()).hexdigest()
    assert pickle.loads(pickle.dumps(first)) == first  # travels to worker processes


def test_hashes_are_the_sha256_of_bytes_and_canonical_json(tmp_path):
    f = tmp_path / "x.bin"
    f.write_bytes(b"\x00abc\xff" * 1000)
    assert file_hash(f) == hashlib.sha256(b"\x00abc\xff" * 1000).hexdigest()
    assert settings_hash({"b": 1, "a": [1, 2.5]}) == hashlib.sha256(b'{"a":[1,2.5],"b":1}').hexdigest()
    assert settings_hash({"a": 1}) != settings_hash({"a": 1.5})


def test_keys_are_stable_across_runs_copies_and_key_order(tmp_path):
    a = _copy(tmp_path, "a")
    b = _copy(tmp_path, "b")
    assert _keys(a) == _keys(a) == _keys(b)  # same content elsewhere: same keys
    text = b.read_text()
    reordered = text.replace("    bulk_element: R1\n    weighting: modulus\n", "    weighting: modulus\n    bulk_element: R1\n")
    assert reordered != text
    b.write_text(reordered)
    assert _keys(b) == _keys(a)


def test_keys_change_with_content_context_settings_and_version(tmp_path):
    manifest = _copy(tmp_path)
    base = _keys(manifest)
    data = manifest.parent / "eis" / "asBM_eBE_70C.csv"
    data.write_bytes(data.read_bytes().replace(b"170.5", b"170.6"))  # one byte of one file
    edited = _keys(manifest)
    changed = {k for k in base if base[k] != edited[k]}
    assert changed == {"as-BM/eis/eis/asBM_eBE_70C.csv"}
    assert base[next(iter(changed))].settings_hash == edited[next(iter(changed))].settings_hash

    text = manifest.read_text()
    manifest.write_text(text.replace("weighting: modulus", "weighting: unit"))
    reweighted = _keys(manifest)
    changed = {k for k in edited if edited[k] != reweighted[k]}
    # every EIS task without its own weighting override is refitted, nothing else
    assert changed == {k for k in edited if "/eis/" in k and not k.startswith("HP600/")}
    assert all(edited[k].input_hash == reweighted[k].input_hash for k in changed)

    manifest.write_text(text.replace("thickness: 0.65 mm", "thickness: 0.66 mm"))
    thicker = _keys(manifest)
    assert {k for k in edited if edited[k] != thicker[k]} == {k for k in edited if k.startswith("as-BM/")}

    manifest.write_text(text)
    assert _keys(manifest) == edited
    assert all(v.sselab_version == "0.2.0" for v in _keys(manifest, version="0.2.0").values())
    assert _keys(manifest, version="0.2.0") != edited


def test_registry_runs_registered_executors(monkeypatch):
    monkeypatch.setattr(tasks_mod, "_EXECUTORS", {})
    task = build_tasks(load_manifest(DATA / "study.yaml"))[0]

    @task_kind("eis_fit")
    def fake_fit(t):
        return {"n_files": len(t.files), "circuit": t.settings["circuit"]}

    assert run_task(task) == {"n_files": 1, "circuit": "R0-p(R1,CPE1)-p(R2,CPE2)-CPE3"}
    assert tasks_mod.registered_kinds() == ["eis_fit"]
    with pytest.raises(ValueError, match="already registered"):
        task_kind("eis_fit")(lambda t: {})
    with pytest.raises(AnalysisError, match="no executor for task kind 'xrd_refine'"):
        run_task(tasks_mod.Task(**{**task.__dict__, "kind": "xrd_refine"}))
    task_kind("bad")(lambda t: [1])
    with pytest.raises(AnalysisError, match="returned list"):
        run_task(tasks_mod.Task(**{**task.__dict__, "kind": "bad"}))


def test_structure_techniques_have_executors():
    import sselab.study.analyses  # noqa: F401 - registers the executors
    from sselab.study.tasks import DEFAULT_KINDS, registered_kinds

    assert DEFAULT_KINDS["xrd"] == "xrd_refine" and DEFAULT_KINDS["xps"] == "xps_profile"
    assert {"xrd_refine", "xps_profile"} <= set(registered_kinds())


def test_xps_shapes_and_a_bad_one_is_named_with_its_line(tmp_path):
    from sselab.exceptions import ManifestError
    from sselab.study.settings import parse_shape

    assert parse_shape("GL(30)") == ("GL", {"m": 0.3}) and parse_shape("SGL(50)") == ("SGL", {"m": 0.5})
    assert parse_shape("PV") == ("PV", {})
    manifest = _copy(tmp_path)
    good = "        - {name: As0, position_eV: 41.4}"
    text = manifest.read_text()
    assert good in text
    bad = text.replace(good, "        - {name: As0, position_eV: 41.4, shape: GL(300)}")
    manifest.write_text(bad)
    line = bad.splitlines().index("        - {name: As0, position_eV: 41.4, shape: GL(300)}") + 1
    with pytest.raises(ManifestError, match=rf"line {line}: .*GL\(300\).*0–100"):
        load_manifest(manifest)


def test_real_path_shortcut_equals_realpath_on_links_dots_and_missing_files(tmp_path):
    """manifest.real_path (the folders' real paths cached for a batch of files) gives what
    os.path.realpath gives, or None where it does not apply; make_task's files with the cache
    are the files Path.resolve() gives."""
    import os

    from sselab.study.manifest import real_path
    from sselab.study.tasks import make_task

    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "a.csv").write_text("1\n")
    os.symlink(tmp_path / "data", tmp_path / "linkdir")
    os.symlink(tmp_path / "data" / "a.csv", tmp_path / "data" / "b.csv")
    dirs: dict[str, str] = {}
    cases = [f"{tmp_path}/data/a.csv", f"{tmp_path}/linkdir/a.csv", f"{tmp_path}/linkdir/../data/a.csv",
             f"{tmp_path}/data//a.csv", f"{tmp_path}/data/missing.csv", f"{tmp_path}/data/b.csv",
             f"{tmp_path}/data/..", f"{tmp_path}/data/"]
    got = [real_path(c, dirs) for c in cases]
    assert got[:5] == [f"{tmp_path}/data/a.csv"] * 4 + [f"{tmp_path}/data/missing.csv"]
    assert got[:5] == [os.path.realpath(c) for c in cases[:5]]
    assert got[5:] == [None, None, None]  # a symlink, "..", a folder: left to realpath
    assert dirs[f"{tmp_path}/linkdir"] == f"{tmp_path}/data"
    for c in cases[:6]:
        t = make_task(id="x", kind="k", sample="s", technique="dc", files=(c,), settings={}, context={}, dirs=dirs) \
            if "missing" not in c else None
        if t is not None:
            assert t.files == (Path(c).resolve(),)


def test_folders_resolved_once_gives_the_resolved_files_and_forgets_after(tmp_path, monkeypatch):
    import os

    from sselab.study import tasks as tk

    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "a.csv").write_text("1\n")
    os.symlink(tmp_path / "d", tmp_path / "l")
    calls: list[str] = []
    real = os.path.realpath
    monkeypatch.setattr(tk.os.path, "realpath", lambda p, *a, **k: calls.append(p) or real(p, *a, **k))
    with tk.folders_resolved_once():
        got = [tk.resolved(f"{tmp_path}/l/a.csv") for _ in range(3)]
        t = tk.make_task(id="x", kind="k", sample="s", technique="dc", files=(f"{tmp_path}/l/a.csv",),
                         settings={}, context={})
        assert tk._DIRS.get() == {f"{tmp_path}/l": f"{tmp_path}/d"}
    assert got == [Path(f"{tmp_path}/d/a.csv")] * 3 and t.files == (Path(f"{tmp_path}/d/a.csv"),)
    assert calls == [f"{tmp_path}/l"]  # the folder once, for all four
    assert tk._DIRS.get() is None
