from pathlib import Path

from tensorweb.paths import source_checkout
from tensorweb.server.demos import Demo, list_demos


def write_page(demos: Path, name: str, html: str) -> None:
    (demos / name).mkdir(parents=True)
    (demos / name / "index.html").write_text(html, encoding="utf-8")


def test_demos_are_described_by_their_title_and_meta_description(tmp_path):
    write_page(tmp_path, "b-page", "<head><title>\n  Beta   page </title><meta name=Description content='Does  b &lt;fast&gt;.'></head>")
    write_page(tmp_path, "a-page", "<html><head><title>Gamma</title></head><body><title>not this</title></body>")
    assert list_demos(tmp_path) == [
        Demo(name="b-page", title="Beta page", description="Does b <fast>."),
        Demo(name="a-page", title="Gamma", description=""),
    ]


def test_demos_that_need_a_device_are_listed_after_those_that_need_none(tmp_path):
    write_page(tmp_path, "audio", "<title>Audio</title><meta name='tensorweb:needs' content='microphone'>")
    write_page(tmp_path, "both", "<title>Both</title><meta name='tensorweb:needs' content='camera, microphone'>")
    write_page(tmp_path, "text", "<title>Text</title>")
    assert [(demo.name, demo.needs) for demo in list_demos(tmp_path)] == [
        ("text", ()), ("audio", ("microphone",)), ("both", ("camera", "microphone")),
    ]


def test_a_page_without_a_title_is_listed_by_its_folder(tmp_path):
    write_page(tmp_path, "plain", "<p>no head at all</p>")
    assert list_demos(tmp_path) == [Demo(name="plain", title="plain", description="")]


def test_folders_without_an_index_and_hidden_folders_are_left_out(tmp_path):
    (tmp_path / "unfinished").mkdir()
    write_page(tmp_path, ".draft", "<title>Draft</title>")
    assert list_demos(tmp_path) == []
    assert list_demos(tmp_path / "nothing") == []


def test_every_demo_in_the_repository_has_a_title_and_a_description():
    demos = list_demos(source_checkout("this test") / "demos")
    assert demos, "the repository has demos"
    for demo in demos:
        assert demo.title != demo.name and demo.description, f"demos/{demo.name}/index.html needs a <title> and a <meta name=description>"
