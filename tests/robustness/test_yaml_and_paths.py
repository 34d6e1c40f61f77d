"""YAML bombs and manifest paths: refused with one line before anything is built."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from sselab.exceptions import ManifestError, ParameterError
from sselab.safeyaml import MAX_NODES, YamlBombError, check_node, safe_load
from sselab.study.manifest import load_manifest, parse_manifest
from sselab.xps.model import PeakModel

DATA = Path(__file__).resolve().parents[1] / "study" / "data"

LOLS = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"{c}: &{c} [*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p}]\n" for p, c in zip("abcdefgh", "bcdefghi"))


def test_billion_laughs_in_a_manifest_with_a_validation_error_is_refused_at_once():
    start = time.perf_counter()
    with pytest.raises(ManifestError, match="expands to more than 100000 values") as info:
        parse_manifest("study: x\nsamples: 3\n" + LOLS, "/tmp/study.yaml")
    assert time.perf_counter() - start < 2
    assert "\n" not in str(info.value) and "line " in str(info.value)


def test_billion_laughs_in_an_xps_model_is_a_parameter_error():
    with pytest.raises(ParameterError, match="expands to more than"):
        PeakModel.from_yaml(LOLS)


def test_expanded_size_is_counted_exactly_and_small_anchors_pass():
    assert safe_load("x: &x {a: 1, b: [1, 2]}\ny: *x\nz: *x\n") == {"x": {"a": 1, "b": [1, 2]}} | {
        "y": {"a": 1, "b": [1, 2]}, "z": {"a": 1, "b": [1, 2]}}
    import yaml
    node = yaml.compose("[&a [1, 2], *a, *a]")
    assert check_node(node) == 1 + 3 * 3  # outer list + three lists of two scalars
    # just below / above the ceiling
    n = MAX_NODES - 1  # a list of n scalars is n + 1 values
    assert len(safe_load("[" + ",".join(["1"] * n) + "]")) == n
    with pytest.raises(YamlBombError):
        safe_load("[" + ",".join(["1"] * (n + 1)) + "]")


def test_recursive_alias_and_deep_nesting_are_refused():
    with pytest.raises(YamlBombError, match="refers to itself"):
        safe_load("&a [*a]")
    with pytest.raises(YamlBombError, match="deeper than 100"):
        safe_load("[" * 101 + "]" * 101)
    assert safe_load("[" * 99 + "]" * 99) is not None


@pytest.mark.parametrize("text", ["region: C 1s\ncomponents: 5\n", "region: C 1s\ncomponents: [1, 2]\n",
                                  "region: C 1s\ncomponents: [{name: a}]\n", "- 1\n- 2\n", "region: [\n",
                                  "region: C 1s\ncomponents: [{name: a, position_eV: x}]\nlinks: [3]\n"])
def test_malformed_xps_models_are_parameter_errors(text):
    with pytest.raises(ParameterError):
        PeakModel.from_yaml(text)


@pytest.fixture
def study_dir(tmp_path: Path) -> Path:
    shutil.copytree(DATA, tmp_path / "study")
    return tmp_path / "study"


def _with(study_dir: Path, extra: str, first_file: str | None = None) -> Path:
    text = (study_dir / "study.yaml").read_text()
    if first_file is not None:
        import re
        text = re.sub(r"file: [^\n#]+", f"file: {first_file}", text, count=1)
    path = study_dir / "study.yaml"
    path.write_text(extra + text)
    return path


@pytest.mark.parametrize("bad", ["/etc/passwd", "../outside.csv", "eis/../../outside.csv"])
def test_manifest_files_outside_the_study_folder_are_refused(study_dir, bad):
    (study_dir.parent / "outside.csv").write_text("1,2,3\n")
    path = _with(study_dir, "", bad)
    with pytest.raises(ManifestError, match="outside the study folder; set 'allow_outside: true'"):
        load_manifest(path)


def test_symlink_out_of_the_study_folder_is_refused(study_dir):
    (study_dir.parent / "outside.mpt").write_text("x")
    (study_dir / "link.mpt").symlink_to(study_dir.parent / "outside.mpt")
    with pytest.raises(ManifestError, match="outside the study folder"):
        load_manifest(_with(study_dir, "", "link.mpt"))


def test_allow_outside_lets_an_outside_file_through(study_dir):
    text = (study_dir / "study.yaml").read_text()
    first = text.split("file: ", 1)[1].split()[0]
    target = study_dir.parent / "elsewhere"
    shutil.copytree(study_dir, target)
    path = _with(study_dir, "allow_outside: true\n", f"../elsewhere/{first}")
    study = load_manifest(path)
    assert study.files[0][0].resolve().is_relative_to(target.resolve())


@pytest.mark.parametrize("db", ["/tmp/x.sqlite", "../x.sqlite", "sqlite:////tmp/x.sqlite"])
def test_database_outside_is_refused_unless_allowed(study_dir, db):
    with pytest.raises(ManifestError, match="database .* is outside the study folder"):
        load_manifest(_with(study_dir, f"database: '{db}'\n"))
    shutil.copy(study_dir / "study.yaml", study_dir / "s2.yaml")
    ok = load_manifest(_with(study_dir, "allow_outside: true\n"))
    assert ok.manifest.allow_outside


@pytest.mark.parametrize("db", ["results/x.sqlite", "sqlite:///results/x.sqlite", "postgresql://u@h/db"])
def test_database_inside_or_on_a_server_is_fine(study_dir, db):
    assert load_manifest(_with(study_dir, f"database: '{db}'\n")).manifest.database == db
