"""The application factory: routers, security middleware, error handlers, local static files.

Example
-------
>>> import tempfile
>>> from sselab.web.config import WorkbenchConfig
>>> app = create_app(WorkbenchConfig.from_target(tempfile.mkdtemp()))
>>> app.title
'sselab workbench'
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, AsyncIterator

from fastapi import FastAPI, Request
from fastapi.exceptions import HTTPException
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response

from ..exceptions import SselabError, StoreError
from ..store import open_store
from . import (routes_analyse, routes_checks, routes_drt, routes_eis, routes_study, routes_transport, routes_upload,
               routes_views)
from .config import WorkbenchConfig
from .context import Workbench
from .jobs import JobManager
from .security import (
    TOKEN_COOKIE,
    TOKEN_HEADER,
    check_bind,
    host_allowed,
    origin_allowed,
    token_matches,
)
from .studydata import StudyData

STATIC = Path(__file__).resolve().parent / "static"
_SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def plotly_bundle() -> Path:
    """The minified Plotly.js shipped inside the installed ``plotly`` Python package."""
    import plotly

    path = Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"
    if not path.is_file():  # pragma: no cover - every plotly wheel ships it
        raise SselabError(f"plotly.min.js not found at {path}; reinstall plotly")
    return path


def _deny(status: int, message: str) -> JSONResponse:
    return JSONResponse({"detail": message}, status_code=status)


def create_app(config: WorkbenchConfig) -> FastAPI:
    """Build the workbench for ``config`` (opens and migrates the results database)."""
    check_bind(config.host, config.token)
    store = open_store(config.db_url)
    jobs = JobManager(workers=config.workers)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        jobs.shutdown()
        store.close()

    app = FastAPI(title="sselab workbench", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    app.state.workbench = Workbench(config=config, data=StudyData(store, config.root, config.study), jobs=jobs)

    @app.middleware("http")
    async def guard(request: Request, call_next: Any) -> Response:
        host = request.headers.get("host")
        if config.token is None and not host_allowed(host):
            return _deny(403, "this workbench answers only http://127.0.0.1 or http://localhost")
        if request.method not in _SAFE_METHODS and not origin_allowed(request.headers.get("origin"), host):
            return _deny(403, "cross-site request refused")
        if config.token is not None:
            given = request.headers.get(TOKEN_HEADER) or request.query_params.get("token")
            is_api = request.url.path.startswith("/api/")
            if given is None and not is_api:
                given = request.cookies.get(TOKEN_COOKIE)
            if not token_matches(given, config.token):
                return _deny(401, f"missing or wrong token (send the {TOKEN_HEADER} header)")
        response = await call_next(request)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        return response

    @app.exception_handler(SselabError)
    async def sselab_error(_request: Request, exc: SselabError) -> JSONResponse:
        status = 404 if isinstance(exc, StoreError) and " no " in f" {exc}" else 400
        return JSONResponse({"detail": (str(exc).splitlines() or [type(exc).__name__])[0]}, status_code=status)

    from fastapi.middleware.gzip import GZipMiddleware

    app.add_middleware(GZipMiddleware, minimum_size=2048)
    for module in (routes_study, routes_eis, routes_drt, routes_upload, routes_transport, routes_views, routes_analyse,
                   routes_checks):
        app.include_router(module.router)

    @app.get("/", include_in_schema=False)
    def index(request: Request) -> Response:
        response = FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-store"})
        token = request.query_params.get("token")
        if config.token is not None and token is not None:
            response.set_cookie(TOKEN_COOKIE, token, httponly=True, samesite="strict")
        return response

    @app.get("/static/plotly.min.js", include_in_schema=False)
    def plotly_js() -> FileResponse:
        # 4.8 MB: cached by the browser for a day (the page loads it once), gzip-compressed on the wire
        return FileResponse(plotly_bundle(), media_type="text/javascript",
                            headers={"Cache-Control": "public, max-age=86400"})

    @app.get("/static/{name:path}", include_in_schema=False)
    def static(name: str) -> Response:
        target = (STATIC / name).resolve()
        if not target.is_relative_to(STATIC) or not target.is_file():
            raise HTTPException(404, "not found")
        media = "text/javascript" if target.suffix == ".js" else None
        return FileResponse(target, media_type=media)

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> Response:
        return Response(status_code=204)

    @app.get("/index.html", include_in_schema=False)
    def index_html() -> RedirectResponse:
        return RedirectResponse("/")

    return app
