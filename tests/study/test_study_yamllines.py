"""The manifest's YAML loader: plain data, lazy line table, and problems named with their line."""

from __future__ import annotations

import pytest

from sselab.study._yamllines import YamlLinesError, line_of, load_with_lines

TEXT = """\
study: demo
samples:
  - name: HP
    thickness: 0.65 mm
  - name: as-BM
measurements:
  - file: eis/a.mpt
    settings: {circuit: "R0-p(R1,CPE1)", n: 3}
"""


def test_data_and_lines():
    data, lines = load_with_lines(TEXT)
    assert data == {"study": "demo", "samples": [{"name": "HP", "thickness": "0.65 mm"}, {"name": "as-BM"}],
                    "measurements": [{"file": "eis/a.mpt", "settings": {"circuit": "R0-p(R1,CPE1)", "n": 3}}]}
    assert lines[("study",)] == 1
    assert lines[("samples", 0)] == lines[("samples", 0, "name")] == 3
    assert lines[("samples", 0, "thickness")] == 4
    assert lines[("samples", 1, "name")] == 5
    assert lines[("measurements", 0, "settings", "n")] == 8
    assert line_of(lines, ("measurements", 0, "settings", "weighting")) == 8  # longest known prefix
    assert line_of(lines, ("nowhere",)) == 1  # the document itself
    assert len(lines) == len(dict(lines)) == 14


@pytest.mark.parametrize("text, line, message", [
    ("a: 1\nb: 2\na: 3\n", 3, "duplicate key 'a'"),
    ("a:\n  - 1\n  - b: 2\n    b: 3\n", 4, "duplicate key 'b'"),
    ("a: 1\n? [x, y]\n: 2\n", 2, "a key must be a plain value"),
    ("x: &a {p: 1}\ny:\n  <<: *a\n", 3, "merge keys ('<<') are not supported"),
    ("a: 1\nb: !!python/object/apply:os.system ['true']\n", 2, "cannot read value"),
    ("a: [1, 2\nb: 3\n", 2, "invalid YAML"),
    ("a: 1\n---\nb: 2\n", 2, "invalid YAML"),
])
def test_problems_are_named_with_their_line(text, line, message):
    with pytest.raises(YamlLinesError) as info:
        load_with_lines(text)
    assert info.value.line == line and message in info.value.message


def test_empty_document():
    data, lines = load_with_lines("# nothing\n")
    assert data is None and dict(lines) == {}
