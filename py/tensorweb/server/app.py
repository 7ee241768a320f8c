"""The dev server: your own pages, the demo gallery, the runtime bundle, the demos, converted models, upload and
convert, live reload.

Served roots, each only through `FileServer` (nothing outside them is readable):

    /                      the site folder (`tensorweb serve DIR`), else the gallery
    /gallery/              the demo gallery: demos, models, the upload form
    /tensorweb.js          the runtime bundle at a stable path (with tensorweb.js.map beside it)
    /js/dist/...           the bundle's folder (declarations too)
    /demos/<name>/...      the demo pages (index.html for a folder)
    /shaders/...           the WGSL sources, read only (from a checkout only: the bundle inlines them)
    /models/<name>/...     model folders from --models and the uploads folder
    /_tensorweb/...        the server's own page scripts

The site folder gets every path the routes above and below leave free.

The API: GET /api/models, POST /api/uploads?filename=NAME (the raw file as
the body; input_shape=NAME:D1,D2,... any number of times fixes free input
dimensions, as `tensorweb convert --input-shape` does), GET /api/jobs/<id>, GET /api/jobs/<id>/events (SSE, ends with the
job), GET /api/events (SSE: reload, building, build-error, models).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import socket
import sys
import webbrowser
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from urllib.parse import urlsplit

import uvicorn
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.requests import ClientDisconnect, Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tensorweb import __version__
from tensorweb.paths import WebFiles, checkout_files, web_files
from tensorweb.server.demos import list_demos
from tensorweb.server.events import Event, EventLog, sse_stream
from tensorweb.server.files import FileServer, GzipCache
from tensorweb.server.models import find_model, list_models
from tensorweb.server.reload import DEFAULT_BUILD, LiveReload
from tensorweb.server.uploads import (
    ACCEPTED_KINDS,
    DEFAULT_CONVERTER,
    ConversionFailed,
    Converter,
    UploadTooLarge,
    input_shape_arguments,
    safe_upload_name,
)

PACKAGE_DIR = Path(__file__).parent
TEMPLATES = Environment(
    loader=FileSystemLoader(PACKAGE_DIR / "templates"),
    autoescape=select_autoescape(["html"]),
)
DEFAULT_UPLOAD_LIMIT = 1024 * 1024 * 1024
LOG = logging.getLogger("tensorweb.server")
SHUTDOWN_GRACE_S = 2
RELOAD_SCRIPT = b'<script type="module" src="/_tensorweb/reload.js"></script>'
# Every response: pages may use SharedArrayBuffer (cross-origin isolation), and
# browsers take our media types as given.
SECURITY_HEADERS = [
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-embedder-policy", b"require-corp"),
    (b"x-content-type-options", b"nosniff"),
]
# Pages of other origins may load our files only when CORS lets them (--cors).
SAME_ORIGIN_RESOURCES = (b"cross-origin-resource-policy", b"same-origin")
CROSS_ORIGIN_RESOURCES = (b"cross-origin-resource-policy", b"cross-origin")
CORS_METHODS = "GET, HEAD"
CORS_EXPOSED = "Content-Length, Content-Range, Accept-Ranges, ETag, Last-Modified"


def inject_reload_script(page: bytes) -> bytes:
    """The page with the live-reload script before its last </body>, or at its end."""
    closing = [m.start() for m in re.finditer(rb"</body\s*>", page, re.IGNORECASE)]
    if not closing:
        return page + RELOAD_SCRIPT
    return page[: closing[-1]] + RELOAD_SCRIPT + page[closing[-1] :]


def _host_name(host_header: str) -> str:
    """The name in a Host header, without its port: "[::1]:8000" gives "::1"."""
    if host_header.startswith("["):
        return host_header[1:].split("]", 1)[0]
    return host_header.rsplit(":", 1)[0] if host_header.count(":") == 1 else host_header


class SecurityHeaders:
    """Isolation headers on every response; with `allowed_hosts`, a 421 for any other Host.

    The host check keeps a loopback server out of reach of other sites through
    DNS rebinding (their name resolving to 127.0.0.1 in the visitor's browser).
    `cross_origin` marks responses as loadable by other origins (with --cors).
    """

    def __init__(self, app: ASGIApp, allowed_hosts: Sequence[str] | None = None, cross_origin: bool = False) -> None:
        self.app = app
        self.allowed_hosts = {h.lower() for h in allowed_hosts} if allowed_hosts is not None else None
        self.headers = SECURITY_HEADERS + [CROSS_ORIGIN_RESOURCES if cross_origin else SAME_ORIGIN_RESOURCES]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.allowed_hosts is not None:
            host = _host_name(Headers(scope=scope).get("host", "")).lower()
            if host not in self.allowed_hosts:
                refusal = PlainTextResponse(f"this server answers only for {', '.join(sorted(self.allowed_hosts))}", 421,
                                            headers={k.decode(): v.decode() for k, v in self.headers})
                await refusal(scope, receive, send)
                return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = list(message.get("headers", [])) + self.headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def valid_origin(origin: str) -> bool:
    """"*", or scheme://host[:port] as browsers send it in Origin (no path, no trailing slash)."""
    if origin == "*":
        return True
    parts = urlsplit(origin)
    return parts.scheme in ("http", "https") and bool(parts.netloc) and origin == f"{parts.scheme}://{parts.netloc}"


class Cors:
    """CORS for pages of `origins` ("*" for any): they may GET and HEAD every file, preflights included.

    Uploads stay refused to other origins' pages (`_same_origin`): CORS shares
    files, it does not let another site start conversions.
    """

    def __init__(self, app: ASGIApp, origins: Sequence[str]) -> None:
        self.app = app
        self.origins = {o.lower() for o in origins}

    def allows(self, origin: str) -> bool:
        return "*" in self.origins or origin.lower() in self.origins

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request_headers = Headers(scope=scope) if scope["type"] == "http" else None
        origin = request_headers.get("origin") if request_headers is not None else None
        if origin is None:
            await self.app(scope, receive, send)
            return
        allowed = self.allows(origin)
        if scope["method"] == "OPTIONS" and "access-control-request-method" in request_headers:
            method = request_headers["access-control-request-method"].upper()
            if not allowed or method not in ("GET", "HEAD"):
                refusal = f"CORS: {origin} may not {method} here (allowed: {CORS_METHODS} from the --cors origins)"
                await PlainTextResponse(refusal, 403, headers={"Vary": "Origin"})(scope, receive, send)
                return
            headers = {
                "Access-Control-Allow-Origin": origin,
                "Access-Control-Allow-Methods": CORS_METHODS,
                "Access-Control-Max-Age": "600",
                "Vary": "Origin",
            }
            if "access-control-request-headers" in request_headers:
                headers["Access-Control-Allow-Headers"] = request_headers["access-control-request-headers"]
            await Response(status_code=204, headers=headers)(scope, receive, send)
            return

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                extra = [(b"vary", b"Origin")]
                if allowed:
                    extra += [(b"access-control-allow-origin", origin.encode("latin-1")),
                              (b"access-control-expose-headers", CORS_EXPOSED.encode())]
                message["headers"] = list(message.get("headers", [])) + extra
            await send(message)

        await self.app(scope, receive, send_with_cors)


def _same_origin(request: Request) -> bool:
    """False for a request a page of another site made (browsers name that page in Origin; other clients send none)."""
    origin = request.headers.get("origin")
    if origin is None:
        return True
    return urlsplit(origin).netloc.lower() == request.headers.get("host", "").lower()


def _megabytes(count: int) -> str:
    return f"{count / (1024 * 1024):g} MiB"


def create_app(
    files: WebFiles | Path | None = None,
    *,
    site_dir: Path | None = None,
    model_dirs: Sequence[Path] = (),
    state_dir: Path | None = None,
    upload_limit: int = DEFAULT_UPLOAD_LIMIT,
    live_reload: bool = False,
    build_command: tuple[str, ...] = DEFAULT_BUILD,
    reload_debounce_ms: int = 300,
    converter_command: tuple[str, ...] = DEFAULT_CONVERTER,
    convert_timeout_s: float = 1800,
    allowed_hosts: Sequence[str] | None = None,
    cors_origins: Sequence[str] = (),
) -> Starlette:
    """The server for `files` (a path is a checkout; default: `web_files()`) and the user's `site_dir`.

    Uploads are converted into `state_dir`/models (default .tensorweb/ in the
    checkout, else in the current folder), which is served after `model_dirs`.
    `live_reload` watches the site, the demos and a checkout's sources and
    injects the reload script into pages. `allowed_hosts`, when given, are the
    only names the server answers to; `cors_origins` the other origins whose
    pages may load its files.
    """
    web = checkout_files(files) if isinstance(files, Path) else files or web_files()
    state_dir = (state_dir or (web.checkout or Path.cwd()) / ".tensorweb").resolve()
    site_dir = site_dir.resolve() if site_dir is not None else None
    uploads_dir = state_dir / "models"
    model_roots = [Path(d).resolve() for d in model_dirs] + [uploads_dir]
    demos_dir = web.demos
    site_events = EventLog()
    gzip_cache = GzipCache()
    converter = Converter(
        state_dir=state_dir,
        models_dir=uploads_dir,
        upload_limit=upload_limit,
        model_roots=model_roots,
        site_events=site_events,
        command=converter_command,
        timeout_s=convert_timeout_s,
    )
    reloader = (
        LiveReload(web.checkout, site_events, page_dirs=[demos_dir] + ([site_dir] if site_dir else []),
                   build_command=build_command, debounce_ms=reload_debounce_ms)
        if live_reload else None
    )
    html_transform = inject_reload_script if live_reload else None
    bundle = FileServer(web.bundle, gzip_cache=gzip_cache)
    demos = FileServer(demos_dir, gzip_cache=gzip_cache, index_html=True, html_transform=html_transform)
    site = FileServer(site_dir, gzip_cache=gzip_cache, index_html=True, html_transform=html_transform) if site_dir else None
    own_static = FileServer(PACKAGE_DIR / "static", gzip_cache=gzip_cache)

    async def gallery(_request: Request) -> HTMLResponse:
        demo_list, models = await run_in_threadpool(lambda: (list_demos(demos_dir), list_models(model_roots)))
        page = TEMPLATES.get_template("gallery.html").render(
            version=__version__,
            demos=demo_list,
            models=models,
            upload_limit=upload_limit,
            upload_limit_text=_megabytes(upload_limit),
            accepted_kinds=ACCEPTED_KINDS,
            live_reload=live_reload,
        )
        return HTMLResponse(page, headers={"Cache-Control": "no-cache"})

    def files_route(path: str, server: FileServer, relative: str | None = None) -> Route:
        """`path` served from `server`: the file `relative` names, else the route's {path}."""
        async def endpoint(request: Request) -> Response:
            return await server.respond(request, request.path_params["path"] if relative is None else relative)

        return Route(path, endpoint, methods=["GET", "HEAD"])

    async def model_file(request: Request) -> Response:
        folder = await run_in_threadpool(find_model, model_roots, request.path_params["name"])
        if folder is None:
            return PlainTextResponse("Not found", status_code=404)
        return await FileServer(folder, gzip_cache=gzip_cache).respond(request, request.path_params["path"])

    async def icon(request: Request) -> Response:
        if site is not None and (site_dir / "favicon.ico").is_file():
            return await site.respond(request, "favicon.ico")
        # Browsers ask every page's server for one; an empty answer keeps 404s out of the console.
        return Response(status_code=204)

    async def to_gallery(_request: Request) -> Response:
        return RedirectResponse("/gallery/", status_code=307)

    async def models_api(_request: Request) -> JSONResponse:
        models = await run_in_threadpool(list_models, model_roots)
        return JSONResponse([m.to_json() for m in models])

    async def upload(request: Request) -> Response:
        given_name = request.query_params.get("filename", "")

        def refuse(message: str, status: int) -> JSONResponse:
            LOG.info("upload %r (%s bytes declared) refused: %s", given_name, request.headers.get("content-length", "?"), message)
            return JSONResponse({"error": message}, status_code=status)

        if not _same_origin(request):
            return refuse("uploads are taken only from this server's own pages", 403)
        name = safe_upload_name(given_name)
        if name is None:
            return refuse(f"name the file in ?filename=; accepted kinds: {ACCEPTED_KINDS}", 400)
        try:
            job = await converter.receive(request, name, input_shape_arguments(request.query_params.getlist("input_shape")))
        except UploadTooLarge:
            return refuse(f"the upload is larger than the limit of {_megabytes(upload_limit)}", 413)
        except ConversionFailed as exc:
            return refuse(str(exc), 400)
        except ClientDisconnect:
            LOG.info("upload %r: the client left before the end of the file", given_name)
            return Response(status_code=400)
        body = job.to_json() | {"status": f"/api/jobs/{job.id}", "events": f"/api/jobs/{job.id}/events"}
        return JSONResponse(body, status_code=202)

    async def job_status(request: Request) -> JSONResponse:
        job = converter.jobs.get(request.path_params["id"])
        if job is None:
            return JSONResponse({"error": "no such job"}, status_code=404)
        return JSONResponse(job.to_json())

    async def job_events(request: Request) -> Response:
        job = converter.jobs.get(request.path_params["id"])
        if job is None:
            return JSONResponse({"error": "no such job"}, status_code=404)
        # A reconnecting EventSource names the last event it had: go on after it rather than repeat the log.
        last_seen = request.headers.get("last-event-id", "")
        start = min(int(last_seen) + 1, job.events.next_number) if last_seen.isdigit() else 0
        return StreamingResponse(sse_stream(job.events.follow(start)), media_type="text/event-stream", headers={"Cache-Control": "no-cache"})

    async def site_event_stream(_request: Request) -> Response:
        if reloader is not None:
            await reloader.ready.wait()
        # The hello event goes out only once the reader is in place: a client that has
        # read it will hear every later change.
        start = site_events.next_number
        hello = Event(-1, "hello", {"liveReload": reloader is not None, "version": __version__})
        return StreamingResponse(
            sse_stream(site_events.follow(start), first=hello), media_type="text/event-stream", headers={"Cache-Control": "no-cache"}
        )

    async def end_streams() -> None:
        """Stop the conversions and end every event stream, so that open pages let the server stop."""
        await converter.shutdown()
        await site_events.close()

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        await run_in_threadpool(converter.prepare)
        watcher = asyncio.create_task(reloader.run()) if reloader else None
        try:
            yield
        finally:
            if watcher is not None:
                reloader.stop()  # lets the watch thread return, so that the cancel below lands at once
                watcher.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await watcher
            await end_streams()

    routes = [
        files_route("/", site, "") if site else Route("/", gallery),
        Route("/gallery/", gallery),
        Route("/gallery", to_gallery),
        Route("/favicon.ico", icon),
        files_route("/tensorweb.js", bundle, "tensorweb.js"),
        files_route("/tensorweb.js.map", bundle, "tensorweb.js.map"),
        files_route("/js/dist/{path:path}", bundle),
        files_route("/demos/{path:path}", demos),
        *([files_route("/shaders/{path:path}", FileServer(web.shaders, gzip_cache=gzip_cache))] if web.shaders else []),
        files_route("/_tensorweb/{path:path}", own_static),
        Route("/models/{name}/{path:path}", model_file, methods=["GET", "HEAD"]),
        Route("/api/models", models_api),
        Route("/api/uploads", upload, methods=["POST"]),
        Route("/api/jobs/{id}", job_status),
        Route("/api/jobs/{id}/events", job_events),
        Route("/api/events", site_event_stream),
        # Last: the site folder takes every path the routes above leave free.
        *([files_route("/{path:path}", site)] if site else []),
    ]
    app = Starlette(routes=routes, lifespan=lifespan)
    if cors_origins:
        app.add_middleware(Cors, origins=cors_origins)
    app.add_middleware(SecurityHeaders, allowed_hosts=allowed_hosts, cross_origin=bool(cors_origins))
    app.state.converter = converter
    app.state.site_events = site_events
    app.state.reloader = reloader
    app.state.end_streams = end_streams
    return app


class DevServer(uvicorn.Server):
    """uvicorn, which ends the app's event streams before it waits for open responses to finish."""

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        await self.config.app.state.end_streams()
        await super().shutdown(sockets=sockets)


def server_for(app: Starlette) -> DevServer:
    # Streams still open after the grace period (a client that ignores the end) are cut.
    return DevServer(uvicorn.Config(app, log_level="warning", lifespan="on", timeout_graceful_shutdown=SHUTDOWN_GRACE_S))


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening socket: connections queue from here on, before the server runs."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(1024)
    except OSError:
        sock.close()
        raise
    return sock


LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")


def allowed_hosts_for(host: str) -> list[str] | None:
    """A loopback bind answers only to loopback names; any other bind to any name."""
    return list(LOOPBACK_NAMES) if host in LOOPBACK_NAMES else None


def page_url(host: str, port: int) -> str:
    """The address to open: a wildcard bind is reached through loopback."""
    shown = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)
    return f"http://[{shown}]:{port}/" if ":" in shown else f"http://{shown}:{port}/"


def log_to_stderr() -> None:
    """One line per upload and conversion on the terminal that runs the server."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s tensorweb serve: %(message)s", "%H:%M:%S"))
    LOG.addHandler(handler)
    LOG.setLevel(logging.INFO)
    LOG.propagate = False


def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    *,
    site_dir: Path | None = None,
    model_dirs: Sequence[Path] = (),
    state_dir: Path | None = None,
    upload_limit: int = DEFAULT_UPLOAD_LIMIT,
    live_reload: bool = True,
    open_browser: bool = False,
    cors_origins: Sequence[str] = (),
) -> None:
    try:
        sock = bind_socket(host, port)
    except OSError as exc:
        raise SystemExit(f"tensorweb serve: cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    url = page_url(host, sock.getsockname()[1])
    app = create_app(site_dir=site_dir, model_dirs=model_dirs, state_dir=state_dir, upload_limit=upload_limit,
                     live_reload=live_reload, allowed_hosts=allowed_hosts_for(host), cors_origins=cors_origins)
    log_to_stderr()
    if site_dir is None:
        print(f"tensorweb {__version__}: serving the demo gallery on {url}", flush=True)
    else:
        print(f"tensorweb {__version__}: serving {site_dir} on {url} (the bundle at {url}tensorweb.js, "
              f"the demo gallery on {url}gallery/)", flush=True)
    if open_browser:
        webbrowser.open(url)
    server_for(app).run(sockets=[sock])
