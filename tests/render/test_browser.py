"""A rendered page in a real browser (headless Chromium, the Debian package): the DOM the browser
builds holds the spans in document order with the raw text, and a screenshot shows right-to-left
lines with the labels' colours."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from gold import gold_documents
from htmlspans import inside, parse, spans

from rasd.data.formats import read_records
from rasd.inference.outputs import DocumentPrediction, SentencePrediction, SlotPrediction
from rasd.render.markup import EVENT_COLOURS, SLOT_COLOURS
from rasd.render.pages import render_predictions

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium is not installed (apt-get install chromium)")]

ODD = "بيان\u200f: «قصف» <b>\"مدفعي\"</b> & 'صاروخي'\r\nعلى R&D \u061c٢٠٢٤ \u200e(AT&T)."


def _chromium(*args: str) -> str:
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
           "--disable-dev-shm-usage", *args]
    done = subprocess.run(cmd, capture_output=True, timeout=180, check=False)  # bytes: keep CR as it is
    assert done.returncode == 0, done.stderr[-2000:].decode("utf-8", "replace")
    return done.stdout.decode("utf-8")


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    folder = tmp_path_factory.mktemp("browser")
    docs = gold_documents(read_records(REPO / "data/corpus/test.jsonl"), all_sentences=True)[:3]
    a, b = ODD.index("<b>"), ODD.index("</b>") + 4
    odd = DocumentPrediction("odd<&>\"", [SentencePrediction(0, len(ODD), ODD, "shelling_missile_attack", 0.42,
                                                             ["shelling_missile_attack"],
                                                             [SlotPrediction("WEAPON", ODD[a:b], a, b, 0.9)])], 1)
    docs.append(({"id": odd.id, "text": ODD}, odd))
    with open(folder / "dump.jsonl", "w", encoding="utf-8") as d, open(folder / "p.jsonl", "w", encoding="utf-8") as p:
        for row, doc in docs:
            d.write(json.dumps(row, ensure_ascii=False) + "\n")
            p.write(json.dumps(doc.to_dict(), ensure_ascii=False) + "\n")
    render_predictions(folder / "p.jsonl", folder / "view.html", texts=folder / "dump.jsonl")
    return folder, docs


def test_the_browser_dom_has_the_spans_in_document_order(page):
    folder, docs = page
    dom = _chromium("--dump-dom", (folder / "view.html").as_uri())
    elements = parse(dom)
    articles = [e for e in elements if e.tag == "article"]
    assert [a.attrs["data-id"] for a in articles] == [doc.id for _, doc in docs]
    for article, (row, doc) in zip(articles, docs, strict=True):
        within = inside(elements, article)
        text = next(e for e in within if e.tag == "div" and "text" in e.classes).text
        assert text == row["text"]  # CR, quotes, <, & and bidi marks as in the raw text
        found = spans(within)
        assert [(s, e) for s, e, _, _ in found] == sorted((s, e) for s, e, _, _ in found)  # document order
        assert found == [(x.start, x.end, x.label, row["text"][x.start:x.end]) for s in doc.sentences for x in s.slots]


def _rgb(colour: str) -> tuple[int, int, int]:
    return tuple(int(colour[i:i + 2], 16) for i in (1, 3, 5))


def test_a_screenshot_shows_right_to_left_lines_in_distinct_colours(page):
    image = pytest.importorskip("PIL.Image", reason="Pillow draws nothing here; it only reads the screenshot")
    folder, _ = page
    shot = folder / "view.png"
    _chromium(f"--screenshot={shot}", "--window-size=1000,1600", (folder / "view.html").as_uri())
    picture = image.open(shot).convert("RGB")
    width, height = picture.size
    pixels = picture.load()
    where: dict[tuple[int, int, int], list[int]] = {}
    for y in range(0, height, 2):
        for x in range(0, width, 2):
            where.setdefault(pixels[x, y], []).append(x)
    backgrounds = [c for _, c in SLOT_COLOURS.values() if len(where.get(_rgb(c), [])) > 30]
    assert len(backgrounds) >= 4, "fewer than four slot colours are visible"
    badges = [xs for colour in EVENT_COLOURS.values() if len(xs := where.get(_rgb(colour), [])) > 30]
    assert badges, "no event badge is visible"
    # the badge opens each event sentence (each starts a line here): in right-to-left lines it sits at
    # the right-hand edge. The legend (left to right, at the top) has badges too: look below it.
    legend_bottom = max(y for y in range(height) if pixels[width // 2, y] == (250, 250, 250))
    for colour in EVENT_COLOURS.values():
        xs = [x for y in range(legend_bottom + 1, height, 2) for x in range(0, width, 2) if pixels[x, y] == _rgb(colour)]
        if len(xs) > 100:  # a badge, not a stray anti-aliased pixel of text
            assert sum(xs) / len(xs) > width * 0.8, colour
