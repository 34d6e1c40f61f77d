"""Fuzzing every web route (no HTTP 500, short errors) and the three user-written languages
(circuits, manifests, XPS peak models: only their SselabError, never a traceback)."""

from __future__ import annotations

import re
import sys
from urllib.parse import quote
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sselab.exceptions import CircuitSyntaxError, ManifestError, ParameterError, SselabError
from sselab.eis.language import parse

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_web_hardening import test_client  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "web"))
from webstudy import make_study  # noqa: E402

STUDY_DATA = Path(__file__).resolve().parents[1] / "study" / "data"
FUZZ = settings(max_examples=40, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

segment = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.sampled_from(["0", "1", "-1", "9" * 30, "%00", "..", "%2e%2e", "nan", "1e9", "" , "x" * 300, "%ff", "1.csv"]),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=30).map(
        lambda t: quote(t, safe="")),  # any text, percent-encoded as a browser would send it
)
json_value = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(-(2**70), 2**70),
                                    st.floats(allow_nan=False), st.text(max_size=20)),
                          lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
                          max_leaves=12)


@pytest.fixture(scope="module")
def web(tmp_path_factory):
    study = make_study(tmp_path_factory.mktemp("fuzzweb") / "study")
    with test_client(study) as client:
        yield client, study


def _routes(client) -> list[tuple[str, str]]:
    out, todo = [], list(client.app.routes)
    while todo:
        r = todo.pop(0)
        nested = getattr(r, "original_router", None)  # FastAPI's included routers
        if nested is not None:
            todo.extend(nested.routes)
            continue
        for m in sorted(getattr(r, "methods", None) or ()):
            if m in ("GET", "POST") and r.path != "/api/upload":
                out.append((m, r.path))
    return out


def test_every_route_is_fuzzed(web):
    client, _ = web
    paths = {p for _, p in _routes(client)}
    assert {"/api/fit", "/api/drt", "/api/jobs/{job_id}", "/api/jobs/{job_id}/cancel",
            "/api/measurements/{measurement_id}", "/static/{name:path}"} <= paths


@FUZZ
@given(data=st.data())
def test_no_route_answers_500_or_echoes_large_input(web, data):
    client, study = web
    method, template = data.draw(st.sampled_from(_routes(client)))
    params = re.findall(r"{(\w+)(?::path)?}", template)
    values = {p: data.draw(segment) for p in params}
    url = re.sub(r"{(\w+)(?::path)?}", lambda m: values[m.group(1)], template)
    if method == "GET":
        r = client.get(url)
    else:
        body = data.draw(st.one_of(json_value, st.fixed_dictionaries(
            {"measurement_id": st.sampled_from([study.ids[0], -1, 2**63, "x"]),
             "circuit": st.sampled_from(["R0-p(R1,C1)", "p(" * 40 + "R0", "", "R0-R0"]),
             "user": st.text(max_size=5), "bootstrap": st.integers(-5, 500)})))
        r = client.post(url, json=body)
    assert r.status_code < 500, (method, url, r.status_code, r.text[:300])
    if r.status_code >= 400:
        assert len(r.content) < 2500, (url, len(r.content))


circuit_text = st.lists(st.sampled_from(["R0", "R1", "C1", "CPE1", "W1", "L1", "p(", ")", ",", "-", " ", "Q", "p",
                                         "R_x", "(", "9", "é", "\x00", "R0-p(R1,C1)"]), max_size=40).map("".join)


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(text=circuit_text | st.text(max_size=60))
def test_circuit_language_only_raises_syntax_errors(text):
    try:
        parse(text)
    except CircuitSyntaxError:
        pass


@FUZZ
@given(ops=st.lists(st.tuples(st.floats(0, 1), st.sampled_from(["", ":", "- ", "  ", "&a ", "*a", "!!python/object ",
                                                               "[", "{", "'", "\t", "\n", "x", "0", "<<: *a"])),
                    min_size=1, max_size=4))
def test_mutated_manifests_only_raise_manifest_errors(tmp_path, ops):
    text = (STUDY_DATA / "study.yaml").read_text()
    for where, token in ops:
        i = int(where * len(text))
        text = text[:i] + token + text[i + 1:]
    from sselab.study.manifest import parse_manifest

    try:
        parse_manifest(text, STUDY_DATA / "study.yaml")
    except ManifestError:
        pass


@FUZZ
@given(doc=json_value, region=st.one_of(st.none(), st.text(max_size=8), st.integers()))
def test_malformed_xps_models_only_raise_parameter_errors(doc, region):
    import yaml

    from sselab.xps.model import PeakModel

    for candidate in (doc, {"region": region, "components": doc}, {"region": "C 1s", "components": [doc]},
                      {"region": "C 1s", "components": [{"name": "a", "position_eV": 1.0}], "links": doc}):
        try:
            PeakModel.from_yaml(yaml.safe_dump(candidate))
        except (ParameterError, SselabError):
            pass
