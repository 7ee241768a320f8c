"""How files are served: media types, validators and 304, ranges, gzip, headers, demo pages."""

import gzip
from pathlib import Path

import pytest
from server_fixtures import write_model
from starlette.testclient import TestClient

from tensorweb.server.app import RELOAD_SCRIPT, create_app, inject_reload_script
from tensorweb.server.files import _accepts_gzip, media_type, parse_range

ISOLATION = {"cross-origin-opener-policy": "same-origin", "cross-origin-embedder-policy": "require-corp"}


@pytest.fixture
def client(checkout, tmp_path):
    (checkout / "js" / "dist" / "tensorweb.js.map").write_text('{"version": 3}')
    (checkout / "js" / "dist" / "kernels.wasm").write_bytes(b"\0asm\1\0\0\0")
    (checkout / "js" / "dist" / "types").mkdir()
    (checkout / "js" / "dist" / "types" / "index.d.ts").write_text("export {};\n")
    write_model(tmp_path / "models" / "digits", shard_bytes=64 * 1024)
    return TestClient(create_app(checkout, model_dirs=[tmp_path / "models"], state_dir=tmp_path / "state"))


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/js/dist/tensorweb.js", "text/javascript; charset=utf-8"),
        ("/js/dist/tensorweb.js.map", "application/json"),
        ("/js/dist/kernels.wasm", "application/wasm"),
        ("/js/dist/types/index.d.ts", "text/plain; charset=utf-8"),
        ("/shaders/elementwise/unary.wgsl", "text/wgsl; charset=utf-8"),
        ("/demos/digits/", "text/html; charset=utf-8"),
        ("/models/digits/model.json", "application/json"),
        ("/models/digits/group1-shard1of1.bin", "application/octet-stream"),
        ("/_tensorweb/reload.js", "text/javascript; charset=utf-8"),
    ],
)
def test_media_types(client, path, expected):
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"] == expected


def test_media_type_of_unlisted_suffixes():
    assert media_type(Path("a.mjs")) == "text/javascript; charset=utf-8"
    assert media_type(Path("weights.unknownsuffix")) == "application/octet-stream"
    assert media_type(Path("notes.TXT")) == "text/plain; charset=utf-8"


@pytest.mark.parametrize(
    "path",
    ["/", "/js/dist/tensorweb.js", "/models/digits/group1-shard1of1.bin", "/api/models", "/js/dist/nothing.js", "/api/jobs/nope"],
)
def test_every_response_allows_cross_origin_isolation(client, path):
    response = client.get(path)
    for name, value in ISOLATION.items():
        assert response.headers[name] == value
    assert response.headers["x-content-type-options"] == "nosniff"


def test_etag_and_last_modified_answer_conditional_requests_with_304(client):
    first = client.get("/models/digits/group1-shard1of1.bin")
    etag, last_modified = first.headers["etag"], first.headers["last-modified"]
    assert first.status_code == 200
    again = client.get("/models/digits/group1-shard1of1.bin", headers={"if-none-match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag
    assert client.get("/models/digits/group1-shard1of1.bin", headers={"if-none-match": f'"other", W/{etag}'}).status_code == 304
    assert client.get("/models/digits/group1-shard1of1.bin", headers={"if-none-match": '"other"'}).status_code == 200
    assert client.get("/models/digits/group1-shard1of1.bin", headers={"if-modified-since": last_modified}).status_code == 304
    old = "Mon, 01 Jan 2001 00:00:00 GMT"
    assert client.get("/models/digits/group1-shard1of1.bin", headers={"if-modified-since": old}).status_code == 200
    assert client.get("/models/digits/group1-shard1of1.bin", headers={"if-modified-since": "garbage"}).status_code == 200


def test_a_changed_file_gets_a_new_etag(client, tmp_path):
    before = client.get("/models/digits/model.json", headers={"accept-encoding": "identity"}).headers["etag"]
    model_json = tmp_path / "models" / "digits" / "model.json"
    model_json.write_text(model_json.read_text() + " ")
    after = client.get("/models/digits/model.json", headers={"accept-encoding": "identity", "if-none-match": before})
    assert after.status_code == 200
    assert after.headers["etag"] != before


def test_ranges(client, tmp_path):
    shard = (tmp_path / "models" / "digits" / "group1-shard1of1.bin").read_bytes()
    size = len(shard)
    url = "/models/digits/group1-shard1of1.bin"
    assert client.get(url).headers["accept-ranges"] == "bytes"

    middle = client.get(url, headers={"range": "bytes=100-199"})
    assert middle.status_code == 206
    assert middle.content == shard[100:200]
    assert middle.headers["content-range"] == f"bytes 100-199/{size}"
    assert middle.headers["content-length"] == "100"

    tail = client.get(url, headers={"range": "bytes=-10"})
    assert (tail.status_code, tail.content) == (206, shard[-10:])
    open_ended = client.get(url, headers={"range": f"bytes={size - 5}-"})
    assert (open_ended.status_code, open_ended.content) == (206, shard[-5:])
    past_the_end = client.get(url, headers={"range": f"bytes={size - 5}-{size + 100}"})
    assert (past_the_end.status_code, past_the_end.content) == (206, shard[-5:])

    for bad in [f"bytes={size}-", "bytes=10-5", "bytes=-0", "bytes=abc", "items=0-1", "bytes=-"]:
        response = client.get(url, headers={"range": bad})
        assert response.status_code == 416, bad
        assert response.headers["content-range"] == f"bytes */{size}"

    several = client.get(url, headers={"range": "bytes=0-1,5-6"})  # not supported: the whole file
    assert (several.status_code, several.content) == (200, shard)

    etag = client.get(url).headers["etag"]
    assert client.get(url, headers={"range": "bytes=0-9", "if-range": etag}).status_code == 206
    stale = client.get(url, headers={"range": "bytes=0-9", "if-range": '"stale"'})
    assert (stale.status_code, stale.content) == (200, shard)


def test_head_sends_headers_only(client):
    response = client.head("/models/digits/group1-shard1of1.bin")
    assert response.status_code == 200
    assert response.headers["content-length"] == str(64 * 1024)
    assert response.content == b""


def test_text_is_gzipped_for_clients_that_accept_it_and_shards_are_not(client, checkout):
    bundle = checkout.joinpath("js", "dist", "tensorweb.js").read_bytes()
    raw = client.get("/js/dist/tensorweb.js", headers={"accept-encoding": "gzip"})  # httpx would decode it for us
    compressed = client.stream("GET", "/js/dist/tensorweb.js", headers={"accept-encoding": "gzip"})
    with compressed as response:
        body = b"".join(response.iter_raw())
        assert response.headers["content-encoding"] == "gzip"
        assert response.headers["vary"] == "Accept-Encoding"
        assert response.headers["etag"].endswith('-gzip"')
    assert gzip.decompress(body) == bundle == raw.content
    assert len(body) < len(bundle)

    plain = client.get("/js/dist/tensorweb.js", headers={"accept-encoding": "identity"})
    assert "content-encoding" not in plain.headers and plain.content == bundle
    refused = client.get("/js/dist/tensorweb.js", headers={"accept-encoding": "gzip;q=0"})
    assert "content-encoding" not in refused.headers
    ranged = client.get("/js/dist/tensorweb.js", headers={"accept-encoding": "gzip", "range": "bytes=0-5"})
    assert ranged.status_code == 206 and "content-encoding" not in ranged.headers

    shard = client.get("/models/digits/group1-shard1of1.bin", headers={"accept-encoding": "gzip"})
    assert "content-encoding" not in shard.headers

    # One file, two encodings: either validator revalidates.
    gzip_etag = raw.headers["etag"]
    assert client.get("/js/dist/tensorweb.js", headers={"accept-encoding": "identity", "if-none-match": gzip_etag}).status_code == 304


def test_accept_encoding_parsing():
    assert _accepts_gzip("gzip, deflate, br")
    assert _accepts_gzip("br;q=1.0, gzip;q=0.8")
    assert _accepts_gzip("*")
    assert not _accepts_gzip("gzip;q=0")
    assert not _accepts_gzip("br, deflate")
    assert not _accepts_gzip("")


def test_parse_range():
    assert parse_range("bytes=0-0", 10) == (0, 0)
    assert parse_range("bytes=-20", 10) == (0, 9)
    assert parse_range("bytes=0-", 0) == "bad"
    assert parse_range("bytes=0-1, 3-4", 10) is None


def test_demo_folders_redirect_to_their_slash_and_serve_index_html(client):
    redirect = client.get("/demos/digits", follow_redirects=False)
    assert redirect.status_code == 307
    assert redirect.headers["location"].endswith("/demos/digits/")
    with_query = client.get("/demos/digits?model=tiny", follow_redirects=False)
    assert with_query.headers["location"].endswith("/demos/digits/?model=tiny")
    assert client.get("/demos/missing/").status_code == 404
    assert client.get("/demos/").status_code == 404  # no index of its own: the gallery lists the demos


def test_live_reload_script_goes_into_pages_only_when_reload_is_on(checkout, tmp_path):
    off = TestClient(create_app(checkout, state_dir=tmp_path / "state"))
    assert b"reload.js" not in off.get("/demos/digits/").content
    assert "reload.js" not in off.get("/").text
    on = TestClient(create_app(checkout, state_dir=tmp_path / "state", live_reload=True))
    page = on.get("/demos/digits/", headers={"accept-encoding": "identity"})
    assert page.content == b"<!doctype html><body><p>digits</p>" + RELOAD_SCRIPT + b"</body>"
    assert page.headers["etag"].endswith('-live"')
    assert "/_tensorweb/reload.js" in on.get("/").text


def test_the_favicon_request_gets_an_empty_answer_rather_than_a_404(client):
    response = client.get("/favicon.ico")
    assert (response.status_code, response.content) == (204, b"")


def test_inject_reload_script_without_a_body_tag_appends_it():
    assert inject_reload_script(b"<p>hi</p>") == b"<p>hi</p>" + RELOAD_SCRIPT
    assert inject_reload_script(b"<body></BODY >x</body>") == b"<body></BODY >x" + RELOAD_SCRIPT + b"</body>"
