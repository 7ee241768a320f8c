"""The version is written in pyproject.toml (Python) and package.json (npm) and derived everywhere
else: the two agree, and the runtime bundle and the converter report the same one."""

import json
import subprocess
from pathlib import Path

import tensorweb
import tensorweb.converter

ROOT = Path(__file__).resolve().parents[2]


def test_package_json_and_the_python_package_agree():
    assert json.loads((ROOT / "package.json").read_text())["version"] == tensorweb.__version__
    assert tensorweb.converter.__version__ == tensorweb.__version__


def test_the_bundle_reports_the_package_version():
    bundle = (ROOT / "js" / "dist" / "tensorweb.js").as_uri()
    shown = subprocess.run(["node", "--input-type=module", "-e", f"const tw = await import('{bundle}'); console.log(tw.version)"],
                           capture_output=True, text=True, check=True).stdout.split()[-1]
    assert shown == tensorweb.__version__
