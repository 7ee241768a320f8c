"""The demo pages the gallery lists: each folder under demos/ with an index.html, described by its own head.

A page's `<title>` and `<meta name="description">` are what a visitor of the
gallery reads, so the gallery takes them from the page instead of keeping a
second list that could drift from it. So is `<meta name="tensorweb:needs"
content="microphone">` (devices, comma-separated): the gallery says what a demo
needs and lists the demos that need nothing first, so that a newcomer's first
click works on any machine.
"""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

# The head comes first; a page's body (possibly large inline data) is never read.
HEAD_BYTES = 64 * 1024


@dataclass(frozen=True)
class Demo:
    name: str  # the folder, which is also the URL segment
    title: str
    description: str
    needs: tuple[str, ...] = ()  # devices the demo asks for, e.g. ("camera",)


class _HeadReader(HTMLParser):
    """Collects the first <title> text and the first <meta name="description">, stopping at <body>."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.title: str | None = None
        self.description: str | None = None
        self.needs: tuple[str, ...] = ()
        self._in_title = False
        self._title_parts: list[str] = []
        self.done = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "body":
            self.done = True
        elif tag == "title" and self.title is None:
            self._in_title = True
        elif tag == "meta":
            values = dict(attrs)
            name = (values.get("name") or "").lower()
            content = values.get("content") or ""
            if name == "description" and self.description is None:
                self.description = " ".join(content.split())
            elif name == "tensorweb:needs" and not self.needs:
                self.needs = tuple(need.strip() for need in content.split(",") if need.strip())

    def handle_endtag(self, tag: str) -> None:
        if tag == "title" and self._in_title:
            self._in_title = False
            self.title = " ".join("".join(self._title_parts).split())

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self._title_parts.append(data)


def describe_demo(folder: Path) -> Demo:
    """The demo in `folder`, titled by its index.html (the folder name when the page has no title)."""
    with open(folder / "index.html", "rb") as page:
        head = page.read(HEAD_BYTES).decode("utf-8", errors="replace")
    reader = _HeadReader()
    reader.feed(head)
    return Demo(name=folder.name, title=reader.title or folder.name, description=reader.description or "", needs=reader.needs)


def list_demos(demos_dir: Path) -> list[Demo]:
    """Demo folders that have an index.html: those that need no device first, then by title."""
    if not demos_dir.is_dir():
        return []
    folders = [d for d in demos_dir.iterdir() if not d.name.startswith(".") and (d / "index.html").is_file()]
    return sorted((describe_demo(d) for d in folders), key=lambda demo: (bool(demo.needs), demo.title.lower(), demo.name))
