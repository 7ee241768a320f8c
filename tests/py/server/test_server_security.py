"""Nothing outside the served roots is readable, however the path is spelled."""

import os
import subprocess
import sys

import pytest
from server_fixtures import write_model
from server_helpers import raw_get, running_server
from starlette.testclient import TestClient

from tensorweb.server.app import _host_name, allowed_hosts_for, bind_socket, create_app
from tensorweb.server.files import resolve_inside
from tensorweb.server.uploads import safe_upload_name

SECRET = b"not for the web"

# Spellings of "leave this folder" after a mount prefix; the secret sits in the
# checkout root and in the folder above it.
ESCAPES = [
    "../secret.txt",
    "../../secret.txt",
    "../../../secret.txt",
    "%2e%2e/secret.txt",
    "%2e%2e/%2e%2e/secret.txt",
    "%2E%2E/%2E%2E/%2E%2E/secret.txt",
    "..%2fsecret.txt",
    "..%2f..%2fsecret.txt",
    "%2e%2e%2f%2e%2e%2f%2e%2e%2fsecret.txt",
    "..%5c..%5csecret.txt",
    "..\\..\\secret.txt",
    "%2fetc%2fpasswd",
    "/etc/passwd",
    "//etc/passwd",
    "%2f%2fetc%2fpasswd",
    "secret.txt%00.js",
    "%00../../secret.txt",
    "./../secret.txt",
    "link-out/secret.txt",
    "leak.txt",
    "%252e%252e/%252e%252e/secret.txt",
    "..%c0%af..%c0%afsecret.txt",
    "%ff/../../secret.txt",
]
PREFIXES = ["/js/dist/", "/demos/", "/shaders/", "/models/digits/", "/_tensorweb/", "/"]  # "/": the site folder


@pytest.fixture
def app_with_links(checkout, tmp_path):
    """Each served root holds a symlink to a folder outside it and one to a file outside it."""
    models = tmp_path / "models"
    write_model(models / "digits")
    site = tmp_path / "site"
    (site / "sub").mkdir(parents=True)
    (site / "index.html").write_text("<p>my page</p>")
    (site / ".env").write_bytes(SECRET)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_bytes(SECRET)
    for served in [checkout / "js" / "dist", checkout / "demos", checkout / "shaders", models / "digits", site]:
        os.symlink(outside, served / "link-out")
        os.symlink(outside / "secret.txt", served / "leak.txt")
    (models / "digits" / ".hidden").write_bytes(SECRET)
    os.symlink(checkout / "demos" / "digits" / "index.html", checkout / "demos" / "inside.html")
    os.symlink(outside, site / "sub" / "deeper-link-out")
    return create_app(checkout, site_dir=site, model_dirs=[models], state_dir=tmp_path / "state")


def test_escapes_over_a_real_connection_never_read_outside(app_with_links):
    with running_server(app_with_links) as port:
        for prefix in PREFIXES:
            for escape in ESCAPES:
                status, body = raw_get(port, prefix + escape)
                assert status in (400, 403, 404), (prefix + escape, status)
                assert SECRET not in body and b"root:" not in body, prefix + escape
        for path in ["/models/%2e%2e/secret.txt", "/models/..%2f..%2fsecret.txt/x", "/models/digits/.hidden",
                     "/models/%2e%2e%2f%2e%2e/secret.txt", "/models/link-out/secret.txt"]:
            status, body = raw_get(port, path)
            assert status in (400, 403, 404) and SECRET not in body, path
        for path in ["/.env", "/sub/deeper-link-out/secret.txt", "/sub/%2e%2e/%2e%2e/secret.txt", "/sub/..%2f.env",
                     "/tensorweb.js/../../secret.txt", "/gallery/%2e%2e/secret.txt"]:
            status, body = raw_get(port, path)
            assert status in (400, 403, 404) and SECRET not in body, path
        # A symlink that stays inside its root is fine.
        assert raw_get(port, "/demos/inside.html") == (200, b"<!doctype html><body><p>digits</p></body>")
        assert raw_get(port, "/") == (200, b"<p>my page</p>")


def test_escapes_through_the_asgi_app_never_read_outside(app_with_links):
    client = TestClient(app_with_links)
    for prefix in PREFIXES:
        for escape in ESCAPES:
            response = client.get(prefix + escape)
            assert response.status_code in (400, 403, 404), prefix + escape
            assert SECRET not in response.content


def test_resolve_inside(tmp_path):
    root = tmp_path / "root"
    (root / "sub").mkdir(parents=True)
    (root / "sub" / "file.txt").write_text("x")
    (tmp_path / "outside.txt").write_text("x")
    os.symlink(tmp_path, root / "up")
    os.symlink(root / "sub", root / "sideways")
    real_root = root.resolve()
    assert resolve_inside(root, "sub/file.txt") == real_root / "sub" / "file.txt"
    assert resolve_inside(root, "sub/") == real_root / "sub"
    assert resolve_inside(root, "") == real_root
    assert resolve_inside(root, "sideways/file.txt") == real_root / "sub" / "file.txt"
    assert resolve_inside(root, "up/root/sub/file.txt") == real_root / "sub" / "file.txt"  # out and back in
    for refused in ["../x", "sub/../../x", "sub/../file.txt", "/etc/passwd", "sub\\file.txt", "sub/file.txt\x00",
                    "up/outside.txt", "up", ".git/config", "sub/.env", "sub//file.txt", "./sub/file.txt"]:
        assert resolve_inside(root, refused) is None, refused


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("tiny.onnx", "tiny.onnx"),
        ("../../etc/cron.d/evil.onnx", "evil.onnx"),
        ("C:\\Users\\me\\My Model.keras", "My_Model.keras"),
        ("model.JSON", "model.json"),
        ("weights v2 (final).h5", "weights_v2_final.h5"),
        ("frozen.PB", "frozen.pb"),  # the suffix in the case the converter expects
        ("saved model.zip", "saved_model.zip"),
        ("..onnx", None),
        (".onnx", None),
        ("evil.onnx.exe", None),
        ("notes.txt", None),
        ("\x00.onnx", None),
        ("", None),
    ],
)
def test_upload_names_are_reduced_to_a_safe_base_name(given, kept):
    assert safe_upload_name(given) == kept


def test_uploads_from_another_sites_page_are_refused(checkout, tmp_path):
    with TestClient(create_app(checkout, state_dir=tmp_path / "state")) as client:
        response = client.post("/api/uploads?filename=tiny.onnx", content=b"good",
                               headers={"origin": "http://evil.example"})
        assert response.status_code == 403
        assert list((tmp_path / "state" / "uploads").iterdir()) == []
        same_site = client.post("/api/uploads?filename=tiny.onnx", content=b"x" * 10,
                                headers={"origin": "http://testserver"})
        assert same_site.status_code == 202


def test_bind_defaults_to_loopback():
    from tensorweb.cli import build_parser

    args = build_parser().parse_args(["serve"])
    assert (args.host, args.port) == ("127.0.0.1", 8000)


def test_a_loopback_server_answers_only_to_loopback_names(checkout, tmp_path):
    app = create_app(checkout, state_dir=tmp_path / "state", allowed_hosts=allowed_hosts_for("127.0.0.1"))
    client = TestClient(app, base_url="http://127.0.0.1:8000")
    for host in ["127.0.0.1:8000", "localhost:8000", "LOCALHOST", "[::1]:8000", "127.0.0.1"]:
        assert client.get("/js/dist/tensorweb.js", headers={"host": host}).status_code == 200, host
    for host in ["evil.example", "evil.example:8000", "127.0.0.1.evil.example", "[::2]:8000", ""]:
        response = client.get("/js/dist/tensorweb.js", headers={"host": host})
        assert response.status_code == 421, host
        assert response.headers["cross-origin-embedder-policy"] == "require-corp"
    assert allowed_hosts_for("0.0.0.0") is None
    assert allowed_hosts_for("192.168.1.20") is None


def test_host_names_without_their_port():
    assert _host_name("127.0.0.1:8000") == "127.0.0.1"
    assert _host_name("[::1]:8000") == "::1"
    assert _host_name("[::1]") == "::1"
    assert _host_name("localhost") == "localhost"


def test_serve_on_a_port_in_use_says_so(tmp_path):
    with bind_socket("127.0.0.1", 0) as taken:
        result = subprocess.run(
            [sys.executable, "-m", "tensorweb", "serve", "--no-reload", "--state-dir", str(tmp_path / "state"),
             "--port", str(taken.getsockname()[1])],
            capture_output=True, text=True, timeout=30,
        )
    assert result.returncode == 1
    assert "cannot listen on 127.0.0.1:" in result.stderr and "in use" in result.stderr
