"""The dev server: the demo gallery, the runtime bundle, and the demos."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from tensorweb import __version__
from tensorweb.paths import repo_root

TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(["html"]),
)


def list_demos(demos_dir: Path) -> list[str]:
    """Demo folders that have an index.html."""
    if not demos_dir.is_dir():
        return []
    return sorted(d.name for d in demos_dir.iterdir() if (d / "index.html").is_file())


def create_app(root: Path | None = None) -> Starlette:
    root = root or repo_root()
    demos_dir = root / "demos"

    async def gallery(_request: Request) -> HTMLResponse:
        page = TEMPLATES.get_template("gallery.html").render(version=__version__, demos=list_demos(demos_dir))
        return HTMLResponse(page)

    routes = [
        Route("/", gallery),
        Mount("/js/dist", StaticFiles(directory=root / "js" / "dist", check_dir=False), name="bundle"),
        Mount("/demos", StaticFiles(directory=demos_dir, html=True, check_dir=False), name="demos"),
    ]
    return Starlette(routes=routes)


def serve(host: str, port: int) -> None:
    import uvicorn

    print(f"tensorweb {__version__}: serving the demo gallery on http://{host}:{port}/")
    uvicorn.run(create_app(), host=host, port=port, log_level="warning")
