"""Your own pages: `tensorweb serve DIR` puts DIR at / beside the gallery's routes, the bundle at /tensorweb.js,
live reload for DIR, and CORS for pages of other origins when asked (--cors)."""

import asyncio
import subprocess
import sys
import urllib.request

from server_fixtures import write_model
from server_helpers import build_command, watch_while
from starlette.testclient import TestClient

from tensorweb import __version__
from tensorweb.paths import WebFiles
from tensorweb.server.app import RELOAD_SCRIPT, create_app, valid_origin
from tensorweb.server.events import EventLog
from tensorweb.server.reload import LiveReload


def write_site(folder):
    (folder / "blog").mkdir(parents=True)
    (folder / "index.html").write_text("<title>mine</title><body><script type=module src=/tensorweb.js></script></body>")
    (folder / "blog" / "index.html").write_text("<p>posts</p>")
    (folder / "style.css").write_text("p { color: red }")
    return folder


def test_the_site_is_at_the_root_and_the_gallery_at_gallery(checkout, tmp_path):
    site = write_site(tmp_path / "site")
    write_model(tmp_path / "models" / "digits")
    client = TestClient(create_app(checkout, site_dir=site, model_dirs=[tmp_path / "models"],
                                   state_dir=tmp_path / "state"))
    assert client.get("/").text == (site / "index.html").read_text()
    assert client.get("/style.css").text == "p { color: red }"
    assert client.get("/blog/").text == "<p>posts</p>"
    assert client.get("/blog", follow_redirects=False).headers["location"] == "/blog/"
    assert client.get("/missing.html").status_code == 404
    gallery = client.get("/gallery/")
    assert gallery.status_code == 200 and "tensorweb demos" in gallery.text
    assert '<a href="/demos/digits/">' in gallery.text and 'href="/models/digits/model.json"' in gallery.text
    assert client.get("/gallery", follow_redirects=False).headers["location"] == "/gallery/"
    # The gallery's routes and the bundle's stable path are served beside the site.
    assert client.get("/tensorweb.js").text == (checkout / "js" / "dist" / "tensorweb.js").read_text()
    assert client.get("/js/dist/tensorweb.js").text == client.get("/tensorweb.js").text
    assert client.get("/demos/digits/").status_code == 200
    assert client.get("/models/digits/model.json").json()["format"] == "tensorweb-graph"
    assert client.get("/api/models").json()[0]["name"] == "digits"
    assert client.get("/favicon.ico").status_code == 204
    (site / "favicon.ico").write_bytes(b"\0\0\1\0")
    assert client.get("/favicon.ico").content == b"\0\0\1\0"


def test_without_a_site_the_gallery_is_at_both_paths(checkout, tmp_path):
    client = TestClient(create_app(checkout, state_dir=tmp_path / "state"))
    assert client.get("/").text == client.get("/gallery/").text
    assert "tensorweb demos" in client.get("/").text
    assert client.get("/style.css").status_code == 404


def test_site_pages_get_the_live_reload_script_and_changes_in_the_site_reload_them(checkout, tmp_path):
    site = write_site(tmp_path / "site")
    with TestClient(create_app(checkout, site_dir=site, state_dir=tmp_path / "state", live_reload=True,
                               build_command=build_command("built.txt"))) as client:
        assert RELOAD_SCRIPT.decode() in client.get("/").text
        assert RELOAD_SCRIPT.decode() in client.get("/blog/").text
        assert "reload" not in client.get("/style.css").text
    reloader = LiveReload(checkout, EventLog(), page_dirs=[checkout / "demos", site],
                          build_command=build_command("built.txt"), debounce_ms=50)
    change = lambda: (site / "index.html").write_text("<p>changed</p>")  # noqa: E731
    [event] = asyncio.run(watch_while(reloader, change, 1))
    assert (event.kind, event.data) == ("reload", {"changed": ["site/index.html"]})
    assert not (checkout / "built.txt").exists()


def test_an_installed_package_serves_its_own_bundle_and_demos_and_no_shader_sources(checkout, tmp_path):
    """The layout of the wheel's package data: no checkout, so no /shaders/ and nothing to rebuild."""
    web = WebFiles(bundle=checkout / "js" / "dist", demos=checkout / "demos", shaders=None, checkout=None)
    site = write_site(tmp_path / "site")
    with TestClient(create_app(web, site_dir=site, state_dir=tmp_path / "state", live_reload=True)) as client:
        assert client.get("/tensorweb.js").status_code == 200
        assert client.get("/demos/digits/").status_code == 200
        assert client.get("/shaders/elementwise/unary.wgsl").status_code == 404
        assert RELOAD_SCRIPT.decode() in client.get("/").text
        assert client.app.state.reloader.runtime_dirs == []
        assert client.app.state.reloader.page_dirs == [checkout / "demos", site.resolve()]


def test_without_cors_other_origins_get_no_cors_headers(checkout, tmp_path):
    client = TestClient(create_app(checkout, state_dir=tmp_path / "state"))
    response = client.get("/tensorweb.js", headers={"origin": "http://localhost:5173"})
    assert "access-control-allow-origin" not in response.headers
    assert response.headers["cross-origin-resource-policy"] == "same-origin"
    preflight = client.options("/tensorweb.js", headers={"origin": "http://localhost:5173",
                                                         "access-control-request-method": "GET"})
    assert "access-control-allow-origin" not in preflight.headers


def test_cors_lets_the_named_origin_load_files_and_answers_its_preflights(checkout, tmp_path):
    write_model(tmp_path / "models" / "digits")
    client = TestClient(create_app(checkout, model_dirs=[tmp_path / "models"], state_dir=tmp_path / "state",
                                   cors_origins=["http://localhost:5173"]))
    page = {"origin": "http://localhost:5173"}
    for path in ["/tensorweb.js", "/models/digits/model.json", "/models/digits/group1-shard1of1.bin", "/api/models"]:
        response = client.get(path, headers=page)
        assert response.status_code == 200, path
        assert response.headers["access-control-allow-origin"] == "http://localhost:5173", path
        assert "Origin" in response.headers["vary"]
        assert "Content-Range" in response.headers["access-control-expose-headers"]
        assert response.headers["cross-origin-resource-policy"] == "cross-origin"
    preflight = client.options("/models/digits/group1-shard1of1.bin", headers=page | {
        "access-control-request-method": "GET", "access-control-request-headers": "range"})
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == "http://localhost:5173"
    assert preflight.headers["access-control-allow-methods"] == "GET, HEAD"
    assert preflight.headers["access-control-allow-headers"] == "range"
    other = client.get("/tensorweb.js", headers={"origin": "http://evil.example"})
    assert "access-control-allow-origin" not in other.headers
    refused = client.options("/tensorweb.js", headers={"origin": "http://evil.example",
                                                       "access-control-request-method": "GET"})
    assert refused.status_code == 403 and "access-control-allow-origin" not in refused.headers
    no_posts = client.options("/api/uploads", headers=page | {"access-control-request-method": "POST"})
    assert no_posts.status_code == 403
    assert client.post("/api/uploads?filename=x.onnx", content=b"good", headers=page).status_code == 403
    assert client.get("/tensorweb.js").headers.get("access-control-allow-origin") is None  # same origin: no Origin


def test_cors_for_any_origin(checkout, tmp_path):
    client = TestClient(create_app(checkout, state_dir=tmp_path / "state", cors_origins=["*"]))
    response = client.get("/tensorweb.js", headers={"origin": "https://example.org"})
    assert response.headers["access-control-allow-origin"] == "https://example.org"


def test_origins_are_checked_and_the_cli_refuses_bad_ones(tmp_path):
    assert valid_origin("http://localhost:5173") and valid_origin("https://example.org") and valid_origin("*")
    for bad in ["localhost:5173", "http://localhost:5173/", "http://x/path", "ftp://x", ""]:
        assert not valid_origin(bad), bad
    result = subprocess.run([sys.executable, "-m", "tensorweb", "serve", "--cors", "localhost:5173"],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 2 and "--cors localhost:5173: not an origin" in result.stderr
    result = subprocess.run([sys.executable, "-m", "tensorweb", "serve", str(tmp_path / "nowhere")],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 2 and "nowhere: not a folder" in result.stderr


def test_serve_dir_names_the_site_the_bundle_and_the_gallery(tmp_path):
    site = write_site(tmp_path / "site")
    server = subprocess.Popen([sys.executable, "-m", "tensorweb", "serve", str(site), "--port", "0", "--no-reload",
                               "--state-dir", str(tmp_path / "state")],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        line = server.stdout.readline()
        url = line.split(" on ", 1)[1].split(" ", 1)[0]
        assert line == (f"tensorweb {__version__}: serving {site} on {url} (the bundle at {url}tensorweb.js, "
                        f"the demo gallery on {url}gallery/)\n")
        with urllib.request.urlopen(url, timeout=10) as response:
            assert response.read().decode() == (site / "index.html").read_text()
    finally:
        server.terminate()
        server.wait(timeout=10)
