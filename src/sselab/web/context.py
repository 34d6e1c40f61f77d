"""What every route needs: the configuration, the study data, the job pool.

Example
-------
>>> from sselab.web.context import clean
>>> clean({"x": float("nan"), "y": [1.0, float("inf")]})
{'x': None, 'y': [1.0, None]}
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from fastapi import Request

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
    """A JSON-safe copy: NaN/inf → None, numpy → plain Python, tuples → lists."""
    if isinstance(obj, dict):
        return {str(k): clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [clean(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return clean(obj.tolist())
    if isinstance(obj, (bool, np.bool_)):
        return bool(obj)
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        v = float(obj)
        return v if math.isfinite(v) else None
    return obj
