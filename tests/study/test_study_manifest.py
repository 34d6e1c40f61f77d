"""Manifest validation: the example loads; every mistake is named with its line."""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import pytest

from sselab.exceptions import ManifestError
from sselab.study.manifest import load_manifest, parse_manifest

DATA = Path(__file__).with_name("data")
EXAMPLE = DATA / "study.yaml"


@pytest.fixture
def study_dir(tmp_path: Path) -> Path:
    shutil.copytree(DATA, tmp_path / "study")
    return tmp_path / "study"


def _line(text: str, fragment: str, nth: int = 0) -> int:
    """1-based line of the nth line containing ``fragment``."""
    hits = [i + 1 for i, line in enumerate(text.splitlines()) if fragment in line]
    return hits[nth]


def _error(study_dir: Path, old: str, new: str, nth: int = 0) -> tuple[str, int]:
    text = EXAMPLE.read_text()
    assert old in text
    target = _line(text, old, nth)
    lines = text.splitlines()
    lines[target - 1] = lines[target - 1].replace(old, new)
    path = study_dir / "study.yaml"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(ManifestError) as info:
        load_manifest(path)
    return str(info.value), target


def test_example_manifest_loads_with_units_and_files():
    study = load_manifest(EXAMPLE)
    m = study.manifest
    assert m.study == "Mg3AsN-example" and [s.name for s in m.samples] == ["as-BM", "HP600", "eBE"]
    assert m.samples[0].thickness_m == pytest.approx(0.65e-3)
    assert m.samples[0].area_m2 == pytest.approx(math.pi * 0.013**2 / 4)
    assert m.samples[1].area_m2 == pytest.approx(1.327e-4)
    assert [x.temperature_K for x in m.measurements[:3]] == pytest.approx([313.15, 343.15, 373.15])
    assert m.measurements[2].cell == "Mg|eBE|SE|eBE|Mg"  # spaces around '|' normalised
    assert [p.name for p in study.files[3]] == ["HP600_eBE_100C.csv", "HP600_eBE_40C.csv", "HP600_eBE_70C.csv"]
    assert len(study.files[5]) == 2 and all(p.is_file() for f in study.files for p in f)
    assert study.settings[3]["weighting"] == "proportional"  # the measurement's override
    assert study.settings[0]["weighting"] == "modulus"
    assert study.settings[0]["circuit"] == "R0-p(R1,CPE1)-p(R2,CPE2)-CPE3"  # per cell stack
    assert study.settings[4]["circuit"] == "R0-p(R1,CPE1)-CPE2"
    assert study.settings[5]["steady_fraction"] == 0.1
    assert study.db_path == DATA / "sselab-results" / "results.sqlite"
    assert m.analysis.xps.model["As 3d"][2].position_eV == 43.75


def test_unknown_key_is_named_with_its_line_and_a_hint(study_dir):
    msg, line = _error(study_dir, "temperature: 343.15 K", "tempearture: 343.15 K")
    assert f"study.yaml, line {line}: unknown key 'tempearture' (did you mean 'temperature'?)" in msg
    msg, line = _error(study_dir, "weighting: modulus", "weihgting: modulus")
    assert f"line {line}: unknown key 'weihgting' (did you mean 'weighting'?)" in msg
    msg, line = _error(study_dir, "weighting: proportional", "wieghting: proportional")
    assert f"line {line}: measurements.3.settings.wieghting" in msg or f"line {line}: unknown key 'wieghting'" in msg


def test_missing_file_and_empty_glob(study_dir):
    msg, line = _error(study_dir, "file: eis/asBM_eBE_70C.csv", "file: eis/asBM_eBE_75C.csv")
    assert f"line {line}: file not found: 'eis/asBM_eBE_75C.csv'" in msg
    msg, line = _error(study_dir, "eis/HP600_eBE_*.csv", "eis/HP700_*.csv")
    assert f"line {line}: no file matches 'eis/HP700_*.csv'" in msg
    msg, line = _error(study_dir, "dc/asBM_Au_1.0V.csv]", "dc/asBM_Au_2.0V.csv]")
    assert f"line {line}: file not found: 'dc/asBM_Au_2.0V.csv'" in msg


@pytest.mark.parametrize(("old", "new", "expected", "at"), [
    ("technique: dc", "technique: ac", "technique: Input should be 'eis', 'dc', 'cycling', 'cv', 'xrd', 'xps', 'sem' or 'eds'", None),
    ("sample: HP600", "sample: HP700", "unknown sample 'HP700'", None),
    ("thickness: 0.62 mm", "thickness: 0.62 furlong", "unknown length unit 'furlong'", None),
    ("temperature: 40 °C", "temperature: 40", "needs a unit: e.g.", None),
    ("area: 1.327 cm2", "diameter: 13 mm\n    area: 1.327 cm2", "give diameter or area, not both", None),
    ("cell: Au|SE|Au", "cell: Au||Au", "must list its layers", None),
    ("arrhenius: sigma", "arrhenius: sigma_T", "Input should be 'sigma' or 'sigmaT'", None),
    ("ebe_reference: eBE", "ebe_reference: MOF", "ebe_reference 'MOF' is not a sample", None),
    ("iBE|eBE|iBE: R0", "Au|eBE|Au: R0", "no circuit for cell stack 'iBE|eBE|iBE'", "    circuit:"),
    ("- name: HP600", "- name: as-BM", "duplicate sample 'as-BM'", None),
    ("treatment: ball-milled", "treatment: ball-milled\n    treatment: again", "duplicate key 'treatment'", None),
    ("study: Mg3AsN-example", "study: Mg3AsN: example", "invalid YAML", None),
])
def test_wrong_values_are_named_with_their_line(study_dir, old, new, expected, at):
    msg, line = _error(study_dir, old, new)
    if at is not None:
        line = _line(EXAMPLE.read_text(), at)
    first = [m for m in msg.splitlines() if expected in m]
    assert first, msg
    if "\n" in new:  # the inserted second line is the culprit
        line += 1
    assert first[0].startswith(f"{study_dir / 'study.yaml'}, line {line}: "), first[0]


def test_missing_keys_and_several_errors_at_once(tmp_path):
    text = "study: s\nsamples:\n  - name: A\nmeasurements:\n  - file: x.csv\n    sample: A\n  - tecnique: eis\n"
    with pytest.raises(ManifestError) as info:
        parse_manifest(text, tmp_path / "study.yaml")
    lines = str(info.value).splitlines()
    assert f"{tmp_path / 'study.yaml'}, line 5: missing key 'technique'" in lines
    assert f"{tmp_path / 'study.yaml'}, line 7: unknown key 'tecnique' (did you mean 'technique'?)" in lines
    with pytest.raises(ManifestError, match="line 1: a manifest is a mapping"):
        parse_manifest("- 1\n- 2\n", "m.yaml")
    with pytest.raises(ManifestError, match="manifest not found"):
        load_manifest(tmp_path / "none.yaml")
