"""Where tensorweb's web files come from: the installed package, or in development the checkout itself.

A wheel carries the built runtime bundle and the demos as package data
(`tensorweb/web/`, copied in by setup.py). An editable install
(`pip install -e .`) serves the checkout's live files instead, so that edits
and bundle rebuilds show at once; so does any install when TENSORWEB_ROOT
names a checkout. The WGSL sources are served from a checkout only: the
bundle inlines them.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from importlib.metadata import distributions
from pathlib import Path
from urllib.parse import unquote, urlsplit

PACKAGED_WEB = Path(__file__).resolve().parent / "web"


@dataclass(frozen=True)
class WebFiles:
    bundle: Path  # the folder of tensorweb.js, its source map and declarations
    demos: Path  # one folder per demo page
    shaders: Path | None  # the WGSL sources (a checkout's; the bundle inlines them)
    checkout: Path | None  # the source checkout whose js/src and shaders/ rebuild the bundle


class NoCheckout(RuntimeError):
    """A development command run from an installed wheel."""


def checkout_files(root: Path) -> WebFiles:
    root = root.resolve()
    return WebFiles(bundle=root / "js" / "dist", demos=root / "demos", shaders=root / "shaders", checkout=root)


def packaged_files() -> WebFiles:
    return WebFiles(bundle=PACKAGED_WEB / "dist", demos=PACKAGED_WEB / "demos", shaders=None, checkout=None)


def development_checkout() -> Path | None:
    """The checkout this package runs from: TENSORWEB_ROOT, else the folder of the editable install that holds
    this module, else None."""
    override = os.environ.get("TENSORWEB_ROOT")
    if override:
        return Path(override).resolve()
    # PEP 610: pip records where an install came from, and whether it is editable. A checkout's own
    # tensorweb.egg-info (no record) may be found too when the checkout is the current folder.
    for dist in distributions(name="tensorweb"):
        record = json.loads(dist.read_text("direct_url.json") or "{}")
        url = urlsplit(record.get("url", ""))
        if not record.get("dir_info", {}).get("editable") or url.scheme != "file":
            continue
        root = Path(unquote(url.path)).resolve()
        if root in Path(__file__).resolve().parents and (root / "js" / "src").is_dir():
            return root
    return None


def web_files() -> WebFiles:
    """The files `tensorweb serve` offers: the checkout's in development, else the package's own."""
    root = development_checkout()
    if root is not None:
        return checkout_files(root)
    if not (PACKAGED_WEB / "dist" / "tensorweb.js").is_file():
        raise NoCheckout(f"this tensorweb install has no runtime bundle ({PACKAGED_WEB / 'dist'} is missing): "
                         "install a wheel built with the bundle, or install a checkout with `pip install -e .` "
                         "after `npm run build`")
    return packaged_files()


def source_checkout(what: str) -> Path:
    """The checkout, for commands that need the sources (benchmarks, the kernel runner); NoCheckout without one."""
    root = development_checkout()
    if root is None:
        raise NoCheckout(f"{what} needs a source checkout of tensorweb installed with `pip install -e .` "
                         "(or TENSORWEB_ROOT naming one)")
    return root


def state_folder() -> Path:
    """Where the server keeps uploads and `tensorweb examples` its models: .tensorweb/ in the checkout in
    development, else in the current folder."""
    root = development_checkout()
    return (root if root is not None else Path.cwd()) / ".tensorweb"
