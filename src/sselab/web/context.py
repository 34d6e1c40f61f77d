"""What every route needs: the configuration, the study data, the job pool.

Example
-------
>>> from sselab.web.context import clean
>>> clean({"x": float("nan"), "y": [1.0, float("inf")]})
{'x': None, 'y': [1.0, None]}
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import Request

from ..jsonsafe import json_safe
from .config import WorkbenchConfig
from .jobs import JobManager
from .studydata import StudyData


@dataclass
class Workbench:
    """The state of one running workbench (on ``app.state.workbench``)."""

    config: WorkbenchConfig
    data: StudyData
    jobs: JobManager


def workbench(request: Request) -> Workbench:
    """FastAPI dependency: the app's :class:`Workbench`."""
    return request.app.state.workbench


def clean(obj: Any) -> Any:
    """A JSON-safe copy of a response (:func:`sselab.jsonsafe.json_safe`)."""
    return json_safe(obj)
