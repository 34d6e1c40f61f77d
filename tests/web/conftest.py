"""Fixtures of the workbench tests (the studies themselves are built in :mod:`webstudy`)."""

from __future__ import annotations

from pathlib import Path

import pytest
from webstudy import DemoStudy, make_study


@pytest.fixture
def demo_study(tmp_path: Path) -> DemoStudy:
    return make_study(tmp_path / "study")


@pytest.fixture(scope="module")
def views_study(tmp_path_factory) -> DemoStudy:
    """The demo study plus stored DC, cycling, CV, XRD and XPS results (``view_ids``: their analysis ids); read-only."""
    study = make_study(tmp_path_factory.mktemp("views") / "study")
    study.view_ids = study.add_views()  # type: ignore[attr-defined]
    return study
