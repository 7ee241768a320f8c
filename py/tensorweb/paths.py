"""Where the repository's served parts live: the runtime bundle, shaders, demos."""

from __future__ import annotations

import os
from pathlib import Path


def repo_root() -> Path:
    """The checkout that holds js/, shaders/ and demos/.

    TENSORWEB_ROOT overrides it; otherwise it is two folders above this
    package (py/tensorweb/ in the checkout the package was installed from).
    """
    override = os.environ.get("TENSORWEB_ROOT")
    return Path(override).resolve() if override else Path(__file__).resolve().parents[2]
