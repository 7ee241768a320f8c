import os
import subprocess
import sys
import urllib.request
from pathlib import Path

from server_fixtures import write_model
from starlette.testclient import TestClient

from tensorweb.server.app import create_app, page_url


def test_gallery_lists_demos_with_an_index(tmp_path):
    (tmp_path / "demos" / "digits").mkdir(parents=True)
    digits_page = '<title>Digits</title><meta name="description" content="Train a CNN &amp; draw."><p>digits</p>'
    (tmp_path / "demos" / "digits" / "index.html").write_text(digits_page)
    (tmp_path / "demos" / "unfinished").mkdir()
    client = TestClient(create_app(tmp_path))
    page = client.get("/")
    assert page.status_code == 200
    assert '<a href="/demos/digits/">Digits</a>' in page.text
    assert "Train a CNN &amp; draw." in page.text
    assert "unfinished" not in page.text
    assert client.get("/demos/digits/").text == digits_page


def test_bundle_is_served_and_parent_paths_are_not(tmp_path):
    (tmp_path / "js" / "dist").mkdir(parents=True)
    (tmp_path / "js" / "dist" / "tensorweb.js").write_text("export const version = '0';")
    (tmp_path / "secret.txt").write_text("not for the web")
    client = TestClient(create_app(tmp_path))
    bundle = client.get("/js/dist/tensorweb.js")
    assert bundle.status_code == 200
    assert "javascript" in bundle.headers["content-type"]
    for path in ["/js/dist/../../secret.txt", "/js/dist/%2e%2e/%2e%2e/secret.txt"]:
        response = client.get(path)
        assert "not for the web" not in response.text


def test_gallery_lists_models_and_shows_broken_folders_as_errors(checkout, tmp_path):
    models = tmp_path / "models"
    write_model(models / "digits")
    (models / "no-json").mkdir()
    (models / "bad-json").mkdir()
    (models / "bad-json" / "model.json").write_text("{not json")
    (models / "missing-shard").mkdir()
    write_model(models / "missing-shard")
    (models / "missing-shard" / "group1-shard1of1.bin").unlink()
    (models / "escaping-shard").mkdir()
    (models / "escaping-shard" / "model.json").write_text('{"weightsManifest": [{"paths": ["../digits/group1-shard1of1.bin"]}]}')
    (models / "not-an-object").mkdir()
    (models / "not-an-object" / "model.json").write_text("[1, 2]")
    (models / "bad-shape").mkdir()
    (models / "bad-shape" / "model.json").write_text('{"topology": {"inputs": [{"name": "x", "shape": "28x28"}]}}')
    (models / "too-deep").mkdir()
    (models / "too-deep" / "model.json").write_text("[" * 100_000 + "]" * 100_000)
    (models / "long-number").mkdir()
    (models / "long-number" / "model.json").write_text('{"formatVersion": ' + "9" * 10_000 + "}")
    single = tmp_path / "single"
    write_model(single)
    client = TestClient(create_app(checkout, model_dirs=[models, single]))

    listed = {m["name"]: m for m in client.get("/api/models").json()}
    assert listed["digits"]["error"] is None
    assert listed["digits"]["url"] == "/models/digits/model.json"
    assert listed["digits"]["format"] == "tensorweb-graph"
    assert listed["digits"]["inputs"] == [{"name": "image", "dtype": "float32", "shape": [-1, 28, 28, 1]}]
    assert listed["digits"]["producer"] == "tensorweb.converter 0.1.0 from onnx tiny.onnx"
    assert listed["digits"]["weight_bytes"] == 4096
    assert listed["single"]["error"] is None  # a --models folder that is itself a model
    assert listed["no-json"]["error"] == "no model.json in this folder"
    assert "not valid JSON" in listed["bad-json"]["error"]
    assert listed["missing-shard"]["error"] == "missing shard group1-shard1of1.bin"
    assert "unsafe shard path" in listed["escaping-shard"]["error"]
    assert "not a JSON object" in listed["not-an-object"]["error"]
    assert "shape is not a list" in listed["bad-shape"]["error"]
    assert listed["too-deep"]["error"] == "model.json cannot be read: RecursionError"
    assert listed["long-number"]["error"] == "model.json cannot be read: ValueError"

    page = client.get("/")
    assert page.status_code == 200
    assert 'href="/models/digits/model.json"' in page.text
    assert "image: float32[-1, 28, 28, 1]" in page.text
    assert "missing shard group1-shard1of1.bin" in page.text
    assert client.get("/models/digits/model.json").json()["format"] == "tensorweb-graph"
    assert client.get("/models/no-such-model/model.json").status_code == 404


def test_a_model_name_used_twice_is_served_from_the_first_folder(checkout, tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    first_shard = write_model(first / "digits", seed=1)
    write_model(second / "digits", seed=2)
    client = TestClient(create_app(checkout, model_dirs=[first, second]))
    entries = [m for m in client.get("/api/models").json() if m["name"] == "digits"]
    assert [e["error"] is None for e in entries] == [True, False]
    assert "already used" in entries[1]["error"]
    assert client.get("/models/digits/group1-shard1of1.bin").content == first_shard


def test_page_url_reaches_a_wildcard_bind_through_loopback():
    assert page_url("127.0.0.1", 8000) == "http://127.0.0.1:8000/"
    assert page_url("0.0.0.0", 9000) == "http://127.0.0.1:9000/"
    assert page_url("::", 80) == "http://[::1]:80/"


def _start_serve(*args: str, env: dict[str, str] | None = None) -> tuple[subprocess.Popen, str]:
    """`tensorweb serve` on a free loopback port; returns the process and the URL its first line names."""
    server = subprocess.Popen(
        [sys.executable, "-m", "tensorweb", "serve", "--port", "0", "--no-reload", *args],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
    )
    first_line = server.stdout.readline()  # printed once the socket listens
    assert "serving the demo gallery on http://127.0.0.1:" in first_line, first_line + server.stdout.read()
    return server, first_line.split(" on ", 1)[1].strip()


def _stop(server: subprocess.Popen) -> None:
    server.terminate()
    server.wait(timeout=10)


def test_serve_answers_on_loopback(tmp_path):
    server, url = _start_serve("--state-dir", str(tmp_path / "state"))
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            assert response.status == 200
            assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"
            assert "tensorweb demos" in response.read().decode()
    finally:
        _stop(server)


def test_serve_open_starts_the_browser_on_the_gallery(tmp_path):
    browser = tmp_path / "browser"
    browser.write_text(f"#!{sys.executable}\nimport sys\nprint('browser opened', sys.argv[1], flush=True)\n")
    browser.chmod(0o755)
    env = os.environ | {"BROWSER": str(browser)}
    server, url = _start_serve("--open", "--state-dir", str(tmp_path / "state"), env=env)
    try:
        # The browser inherits the server's stdout.
        assert server.stdout.readline().strip() == f"browser opened {url}"
    finally:
        _stop(server)


def test_serve_refuses_a_models_folder_that_does_not_exist(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "tensorweb", "serve", "--models", str(tmp_path / "nowhere")],
        capture_output=True, text=True, timeout=30,
    )
    assert result.returncode == 2
    assert "not a folder" in result.stderr
    assert not Path(tmp_path / "nowhere").exists()


def test_producers_read_as_one_line(tmp_path):
    from tensorweb.server.models import read_model

    cases = {
        '{"producer": "tf.js converter 4.22"}': "tf.js converter 4.22",
        '{"producer": {"name": "tensorweb.converter", "version": "0.1.0"}}': "tensorweb.converter 0.1.0",
        '{"producer": {"sourceFormat": "keras"}}': "keras",
        '{"producer": {"other": 1}}': '{"other": 1}',
        "{}": "",
    }
    for text, expected in cases.items():
        (tmp_path / "model.json").write_text(text)
        entry = read_model("m", tmp_path)
        assert (entry.error, entry.producer) == (None, expected), text
