"""The local web workbench: browse a study, fit spectra interactively, compare samples.

``sselab serve [STUDY_OR_DB]`` (see :mod:`sselab.cli.serve`) starts it; :func:`create_app`
builds the ASGI application for tests and embedding.

Why FastAPI + a static front end
--------------------------------
- **FastAPI/Starlette + uvicorn** is a maintained, small HTTP layer that sselab already
  installs; every route is a thin call into the same library functions the CLI uses
  (``eis.fit_circuit``, ``eis.kramers_kronig``, ``io.read``, ``store``), with pydantic
  validation of request bodies, and ``fastapi.testclient`` makes the API testable in-process.
- **Plain HTML + vanilla JS modules (no build step)**: nothing to compile, nothing fetched
  from a CDN, the page is a handful of small ES modules under :file:`static/js/`.  A Python UI framework
  (Dash, Panel, NiceGUI) would add a large dependency and its own state model on top of the
  same Plotly figures, and makes the security checks below harder to see in one place.
- **Plotly.js served locally**: the minified bundle shipped inside the installed ``plotly``
  Python package is served at ``/static/plotly.min.js``, so the page works with no internet.

Layout
------
``config``     what to serve (study folder or database, upload folder, token, limits)
``security``   token check (constant time), Host/Origin checks, safe upload paths
``studydata``  adapter over :mod:`sselab.store`'s public API (measurements, uploads, accepted fits)
``jobs``       fits and DRTs run in a worker thread pool; the request returns a job id at once,
               the page polls the job's progress line and percentage
``views``      what the DC, cycling/CV, XRD and XPS views draw, from stored results
``routes_*``   the API (study, eis, drt, upload, transport, views) and the CSV exports
``app``        :func:`create_app`: wires the routers, the security middleware and the static files

Example
-------
>>> from sselab.web import WorkbenchConfig, create_app   # doctest: +SKIP
>>> app = create_app(WorkbenchConfig.from_target("my-study/"))   # doctest: +SKIP
"""

from .app import create_app
from .config import WorkbenchConfig

__all__ = ["WorkbenchConfig", "create_app"]
