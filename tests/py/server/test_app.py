import socket
import subprocess
import sys
import time
import urllib.request

from starlette.testclient import TestClient

from tensorweb.server.app import create_app, list_demos


def test_gallery_lists_demos_with_an_index(tmp_path):
    (tmp_path / "demos" / "digits").mkdir(parents=True)
    (tmp_path / "demos" / "digits" / "index.html").write_text("<p>digits</p>")
    (tmp_path / "demos" / "unfinished").mkdir()
    client = TestClient(create_app(tmp_path))
    page = client.get("/")
    assert page.status_code == 200
    assert 'href="/demos/digits/"' in page.text
    assert "unfinished" not in page.text
    assert client.get("/demos/digits/").text == "<p>digits</p>"


def test_list_demos_of_a_missing_folder_is_empty(tmp_path):
    assert list_demos(tmp_path / "nothing") == []


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


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_answers_on_loopback():
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "tensorweb", "serve", "--port", str(port)],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as response:
                    assert response.status == 200
                    assert "tensorweb demos" in response.read().decode()
                    break
            except OSError:
                assert server.poll() is None, server.stdout.read().decode()
                assert time.monotonic() < deadline, "server did not answer within 20 s"
                time.sleep(0.2)
    finally:
        server.terminate()
        server.wait(timeout=10)
