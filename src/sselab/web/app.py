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
from fastapi.exceptions import HTTPException, RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response

from ..exceptions import SselabError, StoreError
from ..store import open_store
from . import (routes_analyse, routes_checks, routes_drt, routes_eis, routes_microscopy, routes_study, routes_transport,
               routes_upload, routes_views)
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
#: Largest request body of every route but the upload [bytes] (JSON bodies are small).
MAX_BODY_BYTES = 1024 * 1024
#: Longest error message sent back (never the whole input).
MAX_DETAIL_CHARS = 300


def short(text: str, limit: int = MAX_DETAIL_CHARS) -> str:
    """``text``'s first line, cut to ``limit`` characters (error responses never echo large inputs)."""
    line = (str(text).splitlines() or [""])[0]
    return line if len(line) <= limit else line[: limit - 1] + "…"


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
        if request.method not in _SAFE_METHODS and request.url.path != "/api/upload":
            length = request.headers.get("content-length")
            if length is None and request.headers.get("transfer-encoding"):
                return _deny(411, "requests need a Content-Length header")
            if length is not None and (not length.isdigit() or int(length) > MAX_BODY_BYTES):
                return _deny(413, f"request body larger than {MAX_BODY_BYTES // 1024} KiB")
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
        return JSONResponse({"detail": short(str(exc) or type(exc).__name__)}, status_code=status)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_request: Request, exc: RequestValidationError) -> JSONResponse:
        # pydantic's errors carry the offending input: send where and what, never the input
        errors = [{"loc": [short(str(p), 60) for p in e.get("loc", ())][:6], "msg": short(e.get("msg", ""), 200),
                   "type": e.get("type")} for e in exc.errors()[:5]]
        return JSONResponse({"detail": errors}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = exc.detail if not isinstance(exc.detail, str) else short(exc.detail)
        return JSONResponse({"detail": detail}, status_code=exc.status_code, headers=getattr(exc, "headers", None))

    @app.exception_handler(OverflowError)
    async def out_of_range(_request: Request, _exc: OverflowError) -> JSONResponse:
        return JSONResponse({"detail": "a number in the request is out of range"}, status_code=404)

    from fastapi.middleware.gzip import GZipMiddleware

    app.add_middleware(GZipMiddleware, minimum_size=2048)
    for module in (routes_study, routes_eis, routes_drt, routes_upload, routes_transport, routes_views, routes_analyse,
                   routes_checks, routes_microscopy):
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
        try:
            target = (STATIC / name).resolve()
            found = target.is_relative_to(STATIC) and target.is_file()
        except (OSError, ValueError):  # NUL byte, name too long
            found = False
        if not found:
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
