"""A small checkout for the server tests."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A repository root with a bundle, a demo, a shader, and a secret beside them."""
    root = tmp_path / "repo"
    (root / "js" / "dist").mkdir(parents=True)
    (root / "js" / "dist" / "tensorweb.js").write_text("export const version = '0';\n" + "// padding\n" * 400)
    (root / "js" / "src").mkdir(parents=True)
    (root / "js" / "src" / "index.ts").write_text("export const version = '0';\n")
    (root / "demos" / "digits").mkdir(parents=True)
    (root / "demos" / "digits" / "index.html").write_text("<!doctype html><body><p>digits</p></body>")
    (root / "shaders" / "elementwise").mkdir(parents=True)
    (root / "shaders" / "elementwise" / "unary.wgsl").write_text("fn f(x: f32) -> f32 { return x; // @body\n}\n")
    (tmp_path / "secret.txt").write_text("not for the web")
    (root / "secret.txt").write_text("not for the web")
    return root
