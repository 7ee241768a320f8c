"""Reading TensorFlow, Keras and TF.js models needs no ML framework: the package's declared dependencies do
not pull one in, and no converter module imports one."""

import ast
import importlib.metadata
import re
from pathlib import Path

FRAMEWORKS = {"tensorflow", "tensorflow-cpu", "tensorflow-intel", "tf-keras", "tf-nightly", "keras", "jax", "jaxlib",
              "flax", "torch", "tensorflowjs", "tensorflow-decision-forests"}
FRAMEWORK_MODULES = {"tensorflow", "keras", "tf_keras", "jax", "jaxlib", "flax", "torch", "tensorflowjs"}
CONVERTER = Path(__file__).resolve().parents[4] / "converter"
REQUIREMENT_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def base_requirements(distribution: str) -> list[str]:
    """Names a distribution requires when installed without extras."""
    names = []
    for requirement in importlib.metadata.requires(distribution) or []:
        requirement, _, marker = requirement.partition(";")
        if "extra" in marker:
            continue
        names.append(normalized(REQUIREMENT_NAME.match(requirement).group(1)))
    return names


def test_declared_dependencies_pull_in_no_framework():
    seen, pending, missing = set(), base_requirements("tensorweb"), []
    assert pending, "tensorweb declares no dependencies?"
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        try:
            pending.extend(base_requirements(name))
        except importlib.metadata.PackageNotFoundError:
            missing.append(name)
    assert not seen & {normalized(f) for f in FRAMEWORKS}, sorted(seen)
    assert "numpy" in seen and "protobuf" in seen and "h5py" in seen
    # platform-conditional requirements (say, colorama on Windows) may be absent here; direct ones may not
    assert not set(missing) & set(base_requirements("tensorweb")), missing


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), str(path))
    modules = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules.add(node.module.split(".")[0])
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) in (
                "import_module", "__import__") and node.args and isinstance(node.args[0], ast.Constant):
            modules.add(str(node.args[0].value).split(".")[0])
    return modules


def test_no_converter_module_imports_a_framework():
    sources = sorted(CONVERTER.rglob("*.py"))
    assert any(p.name == "tf.py" for p in sources) and CONVERTER / "readers" / "keras" / "files.py" in sources
    offenders = {str(p.relative_to(CONVERTER)): sorted(imported_modules(p) & FRAMEWORK_MODULES) for p in sources}
    assert {k: v for k, v in offenders.items() if v} == {}
