"""The wheel carries the web side too: the built runtime bundle and the demos, as package data in tensorweb/web/.

Everything else about the distribution is in pyproject.toml. An editable
install copies nothing: it serves the checkout's own files (tensorweb.paths).
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
BUNDLE = ROOT / "js" / "dist"
# The module, its source map and its declarations; the WGSL sources are inlined in the module.
BUNDLE_FILES = ("tensorweb.js", "tensorweb.js.map", "tensorweb.d.ts", "types/**/*.d.ts")


class BuildWithWebFiles(build_py):
    def run(self) -> None:
        super().run()
        if self.editable_mode:
            return
        if not (BUNDLE / "tensorweb.js").is_file():
            raise SystemExit(f"{BUNDLE / 'tensorweb.js'} is missing: run `npm run build` first "
                             "(the wheel carries the built runtime bundle)")
        web = Path(self.build_lib) / "tensorweb" / "web"
        shutil.rmtree(web, ignore_errors=True)
        for pattern in BUNDLE_FILES:
            for file in BUNDLE.glob(pattern):
                target = web / "dist" / file.relative_to(BUNDLE)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(file, target)
        shutil.copytree(ROOT / "demos", web / "demos", ignore=shutil.ignore_patterns(".*", "__pycache__"))


setup(cmdclass={"build_py": BuildWithWebFiles})
