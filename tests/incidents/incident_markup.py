"""Write test documents the way the corpus is written: ``label | text with [words](SLOT)``."""

from __future__ import annotations

import re

from rasd.inference.outputs import DocumentPrediction, SentencePrediction, SlotPrediction

_SPAN = re.compile(r"\[([^\[\]]+)\]\(([A-Z_]+)\)")


def sentence(line: str, offset: int) -> SentencePrediction:
    label, _, body = line.partition(" | ")
    parts, slots, pos, cursor = [], [], 0, 0
    for m in _SPAN.finditer(body):
        parts.append(body[cursor:m.start()])
        pos += m.start() - cursor
        slots.append(SlotPrediction(m.group(2), m.group(1), offset + pos, offset + pos + len(m.group(1)), 1.0))
        parts.append(m.group(1))
        pos += len(m.group(1))
        cursor = m.end()
    parts.append(body[cursor:])
    text = "".join(parts)
    labels = [x.strip() for x in label.split("+")]
    return SentencePrediction(offset, offset + len(text), text, labels[0], 1.0, event_labels=labels, slots=slots)


def document(doc_id: str, published: str, lines: list[str], *, title: bool = True, **meta: str) -> DocumentPrediction:
    """A prediction record; the first line is the headline (``meta.title``) unless ``title=False``."""
    sentences, offset = [], 0
    for line in lines:
        s = sentence(line, offset)
        sentences.append(s)
        offset = s.end + 1
    info = {"published": published, **meta}
    if title and sentences:
        info["title"] = sentences[0].text
    return DocumentPrediction(doc_id, sentences, len(sentences), info)
