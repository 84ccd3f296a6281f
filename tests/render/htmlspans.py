"""Read a rendered page back with the standard library's HTML parser: every element in document
order, with its attributes and the text inside it (nested elements included)."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

VOID = {"meta", "br", "hr", "img", "link", "input"}


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    chunks: list[str] = field(default_factory=list)
    ancestors: list[Element] = field(default_factory=list, repr=False)

    @property
    def text(self) -> str:
        return "".join(self.chunks)

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[Element] = []
        self.stack: list[Element] = []

    def handle_starttag(self, tag, attrs):
        element = Element(tag, {k: v or "" for k, v in attrs}, ancestors=list(self.stack))
        self.elements.append(element)
        if tag not in VOID:
            self.stack.append(element)

    def handle_endtag(self, tag):
        assert self.stack and self.stack[-1].tag == tag, f"</{tag}> closes <{self.stack[-1].tag if self.stack else None}>"
        self.stack.pop()

    def handle_data(self, data):
        for element in self.stack:
            element.chunks.append(data)


def parse(markup: str) -> list[Element]:
    parser = _Parser()
    parser.feed(markup)
    parser.close()
    assert not parser.stack, f"unclosed: {[e.tag for e in parser.stack]}"
    return parser.elements


def inside(elements: list[Element], parent: Element) -> list[Element]:
    """The elements within ``parent``, in document order."""
    return [e for e in elements if any(a is parent for a in e.ancestors)]


def spans(elements: list[Element]) -> list[tuple[int, int, str, str]]:
    """(start, end, label, text) of each slot mark; pieces of a split mark are joined."""
    out: dict[tuple[int, int, str, int], list[str]] = {}
    for n, e in enumerate(elements):
        if e.tag == "mark" and "slot" in e.classes:
            key = (int(e.attrs["data-start"]), int(e.attrs["data-end"]), e.attrs["data-label"],
                   n if "data-part" not in e.attrs else -1)
            out.setdefault(key, []).append(e.text)
    return [(s, t, label, "".join(parts)) for (s, t, label, _), parts in out.items()]
