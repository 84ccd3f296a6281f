"""Pure HTML building for `rasd render`: raw text plus character offsets in, escaped markup out.

This module imports nothing from rasd (it reads predictions and error rows by their attributes
and keys), so every layer can use it: ``DocumentPrediction._repr_html_`` in the inference layer,
the errors page written by ``rasd evaluate`` and the ``rasd render`` pages.

The text between tags is the document text itself, character for character: every run is
escaped with :func:`escape_text` and nothing else is inserted into it. Labels, event types and
scores live in attributes and are drawn by CSS (``attr()`` in ``::before``/``::after``), so the
DOM text of a rendered document equals its raw text, copying from the page copies the report,
and bidi marks (U+200E, U+200F, U+061C) are kept exactly where they were.
"""

from __future__ import annotations

import heapq
import html
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

# (text/border colour, background) per slot label of the default schema: distinct hues, dark
# enough for a small label and light enough behind Arabic text. Other labels get a colour from
# a hash of their name (stable across runs and pages).
SLOT_COLOURS: dict[str, tuple[str, str]] = {
    "PERPETRATOR": ("#b3261e", "#fcd9d6"),
    "TARGET": ("#a34f00", "#ffe0b8"),
    "LOCATION": ("#1b7a2e", "#d2f1d8"),
    "WEAPON": ("#6a3fa0", "#e7dbf7"),
    "TIME": ("#1f5fa8", "#d4e5fa"),
    "CASUALTIES": ("#a01c6b", "#f9d5e9"),
    "SOURCE": ("#00707a", "#ccf0f2"),
}
EVENT_COLOURS: dict[str, str] = {
    "shelling_missile_attack": "#8e2a1c",
    "air_drone_strike": "#2b4c8c",
    "armed_clash": "#7a4b00",
    "remote_explosive": "#5b2a86",
    "unexplained_explosion": "#5f6b00",
    "military_exercise": "#2f6b3a",
    "mobilization": "#00606b",
    "seizure": "#7d1f5a",
}
INCIDENT_COLUMNS = ("event_date", "event_type", "actor1", "actor2", "weapon", "location", "admin1",
                    "fatalities", "injured", "cluster_id")
ERROR_STYLES = {  # kind -> what its style says, for the legend of the errors page
    "event": "wrong event type: gold and predicted type above the sentence",
    "missed": "gold span not predicted: solid red frame on the gold line",
    "spurious": "predicted span not in the gold: dashed orange frame, striped, on the predicted line",
    "boundary": "right label, other bounds: blue frame, dotted on the predicted line",
    "label": "same bounds, other label: purple double frame, the predicted label inverted",
}

CSS = """
.rasd{font-family:"Noto Naskh Arabic","Noto Sans Arabic","Amiri","DejaVu Sans",Arial,sans-serif;color:#1a1a1a;
 line-height:2.2;max-width:62em;margin:0 auto;padding:0 1em}
body.rasd{display:flex;flex-direction:column}
.rasd .top{order:-2}.rasd .legend{order:-1}
.rasd h1{font:600 1.25em/1.4 system-ui,sans-serif;margin:.8em 0 .2em}
.rasd .sub,.rasd .note{font:.85em/1.5 system-ui,sans-serif;color:#555;margin:.2em 0}
.rasd .legend{font:.85em/2 system-ui,sans-serif;border:1px solid #ddd;border-radius:6px;padding:.3em .7em;
 margin:.6em 0;background:#fafafa}
.rasd .legend b{font-weight:600;margin-inline-end:.5em}
.rasd .key{display:inline-block;border-bottom:2px solid var(--fg);background:var(--bg);color:var(--fg);
 font-weight:600;border-radius:3px;padding:0 .4em;margin:0 .15em;line-height:1.6}
.rasd .key.ev{background:var(--ev);color:#fff;border:0}
.rasd .key.dim{background:none;color:#8a8a8a;border-bottom:1px dotted #8a8a8a;font-weight:400}
.rasd article.doc{border-top:1px solid #ddd;padding:.5em 0 1em}
.rasd article.doc h2{font:600 1em/1.6 system-ui,sans-serif;margin:.3em 0}
.rasd .docmeta{font-size:.95em;color:#444;margin:0 0 .3em}
.rasd .docmeta .n{font:.8em system-ui,sans-serif;color:#777}
.rasd .text{white-space:pre-wrap;color:#8a8a8a;font-size:1.15em}
.rasd .sent.ev{color:#111}
.rasd .sent.ev::before{content:attr(data-event) " " attr(data-score);direction:ltr;unicode-bidi:isolate;
 font:600 .62em/1.5 system-ui,sans-serif;background:var(--ev,#334);color:#fff;border-radius:3px;padding:0 .4em;
 margin-inline-end:.35em;vertical-align:.2em;white-space:nowrap}
.rasd mark.slot{background:var(--bg);color:inherit;border-bottom:2px solid var(--fg);border-radius:3px;padding:0 .12em}
.rasd mark.slot::after{content:attr(data-label);direction:ltr;unicode-bidi:isolate;font:700 .58em/1.2 system-ui,
 sans-serif;color:var(--fg);margin-inline-start:.25em;vertical-align:.25em;white-space:nowrap}
.rasd .sent.none mark.slot,.rasd .sent.off mark.slot,.rasd .text>mark.slot{opacity:.65}
.rasd .gap::before{content:"\\2026";display:inline-block;color:#aaa;padding:0 .5em}
.rasd table.incidents{border-collapse:collapse;font:.8em/1.5 system-ui,"Noto Sans Arabic",sans-serif;margin:.3em 0 .6em}
.rasd table.incidents th,.rasd table.incidents td{border:1px solid #ddd;padding:.1em .45em;text-align:start}
.rasd table.incidents th{background:#f3f3f3;font-weight:600}
.rasd section.kind{border-top:2px solid #ccc;margin-top:1em}
.rasd section.kind h2{font:600 1.05em/1.6 system-ui,sans-serif;margin:.4em 0}
.rasd .err{border-bottom:1px solid #eee;padding:.3em 0 .5em}
.rasd .err .head{font:.8em/1.6 system-ui,sans-serif;color:#555}
.rasd .err .line{display:flex;gap:.6em;align-items:baseline}
.rasd .err .who{flex:0 0 3.2em;font:600 .72em system-ui,sans-serif;color:#777;text-transform:uppercase}
.rasd .err .t{white-space:pre-wrap;font-size:1.1em}
.rasd .err mark.slot{opacity:1}
.rasd .k-missed .gold mark.slot{outline:2px solid #c62828;outline-offset:1px}
.rasd .k-missed .pred mark.slot,.rasd .k-spurious .gold mark.slot{opacity:.55}
.rasd .k-spurious .pred mark.slot{outline:2px dashed #e65100;outline-offset:1px;background-image:
 repeating-linear-gradient(135deg,transparent 0 5px,rgba(230,81,0,.22) 5px 9px)}
.rasd .k-boundary .gold mark.slot{outline:2px solid #1565c0;outline-offset:1px}
.rasd .k-boundary .pred mark.slot{outline:2px dotted #1565c0;outline-offset:1px}
.rasd .k-label mark.slot{outline:3px double #6a1b9a;outline-offset:1px}
.rasd .k-label .pred mark.slot::after{background:var(--fg);color:#fff;padding:0 .25em;border-radius:2px}
.rasd .k-event .t::before{content:attr(data-event) " " attr(data-score);display:inline-block;direction:ltr;
 font:600 .62em/1.5 system-ui,sans-serif;background:var(--ev,#334);color:#fff;border-radius:3px;padding:0 .4em;
 margin-inline-end:.35em;vertical-align:.2em}
.rasd .k-event .pred .t::before{outline:2px solid #c62828}
.rasd .sample{display:inline-block;padding:0 .4em;margin:0 .2em;border-radius:3px;background:#eee}
.rasd .sample.k-missed{outline:2px solid #c62828}.rasd .sample.k-spurious{outline:2px dashed #e65100}
.rasd .sample.k-boundary{outline:2px dotted #1565c0}.rasd .sample.k-label{outline:3px double #6a1b9a}
.rasd .sample.k-event{background:#334;color:#fff}
"""


@dataclass(frozen=True)
class Mark:
    """An element around ``text[start:end]``. ``part`` numbers the pieces of a mark that had to be
    split because it crosses another (1, 2, ...; 0 for a whole mark)."""

    start: int
    end: int
    tag: str = "mark"
    attrs: tuple[tuple[str, str], ...] = ()
    part: int = 0


def escape_text(text: str) -> str:
    """Escape one run of text for HTML: ``& < > " '`` as references, and carriage returns as ``&#13;``
    (an HTML parser turns a literal CR into LF, a reference it keeps); bidi marks stay as they are.

    >>> escape_text('<a href="x">R&D</a>\\r\\n\\u200f')
    '&lt;a href=&quot;x&quot;&gt;R&amp;D&lt;/a&gt;&#13;\\n\\u200f'
    """
    return html.escape(text, quote=True).replace("\r", "&#13;")


def attributes(attrs: Iterable[tuple[str, Any]]) -> str:
    """`` name="value"`` pairs with every value escaped; pairs whose value is None are left out."""
    return "".join(f' {name}="{escape_text(str(value))}"' for name, value in attrs if value is not None)


def highlight(text: str, marks: Sequence[Mark]) -> str:
    """``text`` as HTML with each mark an element around its characters.

    Marks may nest; a mark that crosses another is split into pieces (``data-part="1"``, ``"2"``,
    ...) so the result is well-formed. Empty marks are left out. Every character of ``text``
    appears once, escaped, in order.

    >>> highlight("a<b c", [Mark(2, 5, attrs=(("class", "slot"),))])
    'a&lt;<mark class="slot">b c</mark>'
    """
    for m in marks:
        if not 0 <= m.start <= m.end <= len(text):
            raise ValueError(f"mark {m.start}-{m.end} is outside the text (length {len(text)})")
    heap = [(m.start, -m.end, n, m) for n, m in enumerate(marks) if m.end > m.start]
    heapq.heapify(heap)
    counter = [len(marks)]  # tie-breakers for the pieces of split marks, after every mark's own index
    return _nest(text, 0, len(text), heap, counter)


def _nest(text: str, lo: int, hi: int, heap: list, counter: list[int]) -> str:
    out: list[str] = []
    pos = lo
    while heap:
        _, _, _, m = heapq.heappop(heap)
        out.append(escape_text(text[pos : m.start]))
        inner: list = []
        while heap and heap[0][0] < m.end:
            _, _, n, c = heapq.heappop(heap)
            if c.end <= m.end:
                inner.append((c.start, -c.end, n, c))
                continue
            head, tail = replace(c, end=m.end, part=c.part or 1), replace(c, start=m.end, part=(c.part or 1) + 1)
            inner.append((head.start, -head.end, n, head))
            counter[0] += 1
            heapq.heappush(heap, (tail.start, -tail.end, counter[0], tail))
        heapq.heapify(inner)
        part = (("data-part", m.part),) if m.part else ()
        out.append(f"<{m.tag}{attributes(m.attrs + part)}>{_nest(text, m.start, m.end, inner, counter)}</{m.tag}>")
        pos = m.end
    out.append(escape_text(text[pos:hi]))
    return "".join(out)


# --- colours -------------------------------------------------------------------------------------

def slot_colours(label: str) -> tuple[str, str]:
    """(text/border colour, background) for a slot label.

    >>> slot_colours("LOCATION"), slot_colours("ORG") == slot_colours("ORG")
    (('#1b7a2e', '#d2f1d8'), True)
    """
    if label in SLOT_COLOURS:
        return SLOT_COLOURS[label]
    hue = zlib.crc32(label.encode("utf-8")) % 360
    return f"hsl({hue} 60% 32%)", f"hsl({hue} 80% 90%)"


def event_colour(event: str) -> str:
    if event in EVENT_COLOURS:
        return EVENT_COLOURS[event]
    return f"hsl({zlib.crc32(event.encode('utf-8')) % 360} 45% 32%)"


def _slot_style(label: str) -> str:
    fg, bg = slot_colours(label)
    return f"--fg:{fg};--bg:{bg}"


def format_score(score: float | None) -> str:
    return "" if score is None else f"{score:.2f}"


# --- documents -----------------------------------------------------------------------------------

def event_name(sentence: Any) -> str | None:
    """The sentence's event as shown: its type, or its labels joined with `` + `` (multi-label)."""
    labels = list(getattr(sentence, "event_labels", None) or [])
    if len(labels) > 1:
        return " + ".join(labels)
    return sentence.event_type if sentence.event_type is not None else (labels[0] if labels else None)


def is_event(sentence: Any, none_event: str = "none") -> bool | None:
    """True for an event sentence, False for a ``none`` one, None when the model has no event head."""
    labels = list(getattr(sentence, "event_labels", None) or [])
    if not labels and sentence.event_type is None:
        return None
    return any(label != none_event for label in (labels or [sentence.event_type]))


def sentence_mark(sentence: Any, start: int, end: int, *, shown: bool, none_event: str = "none") -> Mark:
    """The element around a sentence: class ``ev`` (an event, with its badge), ``none`` (no event),
    ``off`` (an event the filters leave out, dimmed) or plain (a model without an event head)."""
    event = is_event(sentence, none_event)
    name = event_name(sentence)
    cls = "sent" if event is None else "sent ev" if event and shown else "sent off" if event else "sent none"
    title = f"{name} {format_score(sentence.event_score)}".strip() if name else None
    attrs = (("class", cls), ("data-start", sentence.start), ("data-end", sentence.end),
             ("data-event", name), ("data-score", format_score(sentence.event_score)),
             ("title", title), ("style", f"--ev:{event_colour(name)}" if name and cls == "sent ev" else None))
    return Mark(start, end, "span", tuple((k, str(v)) for k, v in attrs if v is not None))


def slot_mark(slot: Any, start: int, end: int, *, extra_class: str = "") -> Mark:
    """The ``<mark>`` of a slot; ``data-start``/``data-end`` are its offsets in the document."""
    score = getattr(slot, "score", None)
    attrs = (("class", f"slot {extra_class}".strip()), ("data-label", slot.label), ("data-start", str(slot.start)),
             ("data-end", str(slot.end)), ("data-score", format_score(score)),
             ("title", f"{slot.label} {format_score(score)}".strip()), ("style", _slot_style(slot.label)))
    return Mark(start, end, "mark", attrs)


def check_document(doc: Any, text: str) -> None:
    """Raise ValueError when a sentence or slot of ``doc`` does not hold the characters it claims in ``text``."""
    for s in doc.sentences:
        if not (0 <= s.start <= s.end <= len(text)) or (s.text and text[s.start : s.end] != s.text):
            raise ValueError(f"document {doc.id!r}: sentence {s.start}-{s.end} does not match the text")
        for slot in s.slots:
            if not (0 <= slot.start <= slot.end <= len(text)) or (slot.text and text[slot.start : slot.end] != slot.text):
                raise ValueError(f"document {doc.id!r}: {slot.label} slot {slot.start}-{slot.end} "
                                 f"({slot.text!r}) does not match the text")


def text_html(doc: Any, text: str | None = None, *, keep: Callable[[Any], bool] | None = None,
              none_event: str = "none") -> str:
    """The ``<div class="text">`` of a document: its text with sentences and slots marked.

    With ``text`` (the document as it was scored) every character is shown and the text outside
    the predicted sentences is dimmed. Without it, only the predicted sentences' own text is
    known: each gap between them is a ``<span class="gap">`` (drawn as an ellipsis, holding no
    text). ``keep`` says whether an event sentence passes the page's filters; one that does not
    is dimmed like a sentence without an event. Offsets that do not match raise ValueError.
    """
    sentences = sorted(doc.sentences, key=lambda s: (s.start, s.end))
    if text is not None:
        check_document(doc, text)
        marks = []
        for s in sentences:
            marks.append(sentence_mark(s, s.start, s.end, shown=keep is None or keep(s), none_event=none_event))
            marks.extend(slot_mark(x, x.start, x.end) for x in s.slots)
        return f'<div class="text" dir="rtl" lang="ar">{highlight(text, marks)}</div>'
    out, pos = [], 0
    for s in sentences:
        if s.start > pos:
            out.append(f'<span class="gap" title="{s.start - pos} characters not in the predictions"></span>')
        marks = [sentence_mark(s, 0, len(s.text), shown=keep is None or keep(s), none_event=none_event)]
        for x in s.slots:
            inside = s.start <= x.start <= x.end <= s.start + len(s.text)
            if not inside or (x.text and s.text[x.start - s.start : x.end - s.start] != x.text):
                raise ValueError(f"document {doc.id!r}: {x.label} slot {x.start}-{x.end} ({x.text!r}) does not "
                                 f"match its sentence {s.start}-{s.end}")
            marks.append(slot_mark(x, x.start - s.start, x.end - s.start))
        out.append(highlight(s.text, marks))
        pos = max(pos, s.start + len(s.text))
    if len(sentences) < doc.n_sentences:
        out.append('<span class="gap"></span>')
    return f'<div class="text" dir="rtl" lang="ar">{"".join(out)}</div>'


def incidents_table(rows: Sequence[Mapping[str, Any]]) -> str:
    """The incident rows of one document as a small table (the columns of :data:`INCIDENT_COLUMNS`
    that any row has a value for)."""
    if not rows:
        return ""
    columns = [c for c in INCIDENT_COLUMNS if any(r.get(c) not in (None, "") for r in rows)]
    head = "".join(f"<th>{escape_text(c)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{escape_text(_cell(r.get(c)))}</td>" for c in columns) + "</tr>"
                   for r in rows)
    return f'<table class="incidents" dir="ltr"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _cell(value: Any) -> str:
    return "" if value is None else str(value)


def document_html(doc: Any, text: str | None = None, *, incidents: Sequence[Mapping[str, Any]] = (),
                  keep: Callable[[Any], bool] | None = None, none_event: str = "none", anchor: str | None = None,
                  note: str = "") -> str:
    """One ``<article>``: the id and headline fields of ``doc.meta``, its incident rows, then its text.

    >>> from types import SimpleNamespace as S
    >>> doc = S(id="d1", sentences=[], n_sentences=1, meta={})
    >>> "<bdi>d1</bdi>" in document_html(doc, "لا شيء هنا.")
    True
    """
    meta = getattr(doc, "meta", None) or {}
    events = sum(1 for s in doc.sentences if is_event(s, none_event))
    extras = " · ".join(escape_text(str(meta[k])) for k in ("title", "published", "source") if meta.get(k))
    counts = f"{events} event sentence(s) of {doc.n_sentences}"
    parts = [f"<article{attributes([('class', 'doc'), ('id', anchor), ('data-id', doc.id)])}>",
             f'<h2><bdi>{escape_text(str(doc.id))}</bdi></h2>',
             f'<p class="docmeta">{extras}{" " if extras else ""}<span class="n" dir="ltr">{counts}</span></p>',
             incidents_table(incidents)]
    if note:
        parts.append(f'<p class="note" dir="ltr">{escape_text(note)}</p>')
    parts += [text_html(doc, text, keep=keep, none_event=none_event), "</article>"]
    return "\n".join(p for p in parts if p)


# --- legend and page -----------------------------------------------------------------------------

def legend_html(slot_counts: Mapping[str, int], event_counts: Mapping[str, int] | None = None, *,
                dimmed: str = "") -> str:
    """A legend: one key per slot label and event type in the colours the text uses, with counts."""
    keys = [f'<span class="key" style="{_slot_style(label)}">{escape_text(label)} {n}</span>'
            for label, n in slot_counts.items()]
    parts = ['<section class="legend" dir="ltr">', "<b>slots</b>", " ".join(keys) or "none"]
    if event_counts is not None:
        events = [f'<span class="key ev" style="--ev:{event_colour(e)}">{escape_text(e)} {n}</span>'
                  for e, n in event_counts.items()]
        parts += ["<br><b>events</b>", " ".join(events) or "none"]
    if dimmed:
        parts.append(f'<br><span class="key dim">{escape_text(dimmed)}</span>')
    parts.append("</section>")
    return "\n".join(parts)


def page_start(title: str, subtitle: str = "") -> str:
    """Everything up to the first document: a self-contained head (inline CSS; a content security
    policy that lets the page fetch nothing) and the page title."""
    policy = "default-src 'none'; style-src 'unsafe-inline'"
    return (f'<!DOCTYPE html>\n<html lang="ar" dir="rtl">\n<head>\n<meta charset="utf-8">\n'
            f'<meta http-equiv="Content-Security-Policy" content="{policy}">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{escape_text(title)}</title>\n<style>{CSS}</style>\n</head>\n"
            f'<body class="rasd">\n<header class="top" dir="ltr"><h1>{escape_text(title)}</h1>'
            f'<p class="sub">{escape_text(subtitle)}</p></header>\n')


def page_end(legend: str, footer: str = "") -> str:
    """The legend (written last, once every label has been seen, and shown at the top by CSS) and
    the closing tags."""
    foot = f'<footer class="note" dir="ltr">{escape_text(footer)}</footer>\n' if footer else ""
    return f"{legend}\n{foot}</body>\n</html>\n"


def fragment(body: str) -> str:
    """Markup for a notebook cell: the style sheet and ``body`` in a right-to-left ``.rasd`` block."""
    return f'<div class="rasd" dir="rtl" lang="ar"><style>{CSS}</style>{body}</div>'


def document_fragment(doc: Any, text: str | None = None, *, none_event: str = "none") -> str:
    """A document with its own legend, for ``_repr_html_`` and notebooks."""
    slots: dict[str, int] = {}
    events: dict[str, int] = {}
    for s in doc.sentences:
        for x in s.slots:
            slots[x.label] = slots.get(x.label, 0) + 1
        name = event_name(s)
        if name and is_event(s, none_event):
            events[name] = events.get(name, 0) + 1
    return fragment(legend_html(slots, events) + document_html(doc, text, none_event=none_event))


# --- errors --------------------------------------------------------------------------------------

def error_html(row: Mapping[str, Any]) -> str:
    """One row of ``errors.jsonl``: its sentence twice, gold above predicted, each with its span.

    The row's ``kind`` becomes the class ``k-<kind>`` that styles the spans (see :data:`ERROR_STYLES`).
    Span offsets index ``row["text"]``; ones outside it raise ValueError.
    """
    kind = _kind_class(str(row.get("kind", "")))
    text = str(row.get("text", ""))
    gold, pred = row.get("gold"), row.get("pred")
    lines = []
    for who, value in (("gold", gold), ("pred", pred)):
        if kind == "event":
            ev = value or {}
            name = " + ".join(ev["event_labels"]) if "event_labels" in ev else _cell(ev.get("event_type")) or "none"
            attrs = [("class", "t"), ("data-event", name), ("data-score", format_score(ev.get("score"))),
                     ("style", f"--ev:{event_colour(name)}")]
            body = f"<span{attributes(attrs)}>{escape_text(text)}</span>"
        else:
            marks = []
            if value:
                span = _Span(str(value.get("label", "")), int(value["start"]), int(value["end"]), value.get("score"))
                if text[span.start : span.end] != value.get("text", text[span.start : span.end]):
                    raise ValueError(f"{who} span {span.start}-{span.end} does not match the sentence text")
                marks.append(slot_mark(span, span.start, span.end))
            body = f'<span class="t">{highlight(text, marks)}</span>'
        lines.append(f'<div class="line {who}"><span class="who" dir="ltr">{who}</span>{body}</div>')
    head = (f'<div class="head" dir="ltr"><bdi>{escape_text(str(row.get("id", "")))}</bdi> · '
            f"{escape_text(describe_error(row))}</div>")
    return f'<div class="err k-{kind}">{head}{"".join(lines)}</div>'


@dataclass(frozen=True)
class _Span:
    label: str
    start: int
    end: int
    score: float | None = None


def describe_error(row: Mapping[str, Any]) -> str:
    """One line in words.

    >>> describe_error({"kind": "label", "gold": {"label": "TARGET", "start": 0, "end": 4},
    ...                 "pred": {"label": "LOCATION", "start": 0, "end": 4}})
    'label: gold TARGET 0-4 predicted as LOCATION'
    """
    kind, g, p = row.get("kind"), row.get("gold") or {}, row.get("pred") or {}
    if kind == "event":
        gold = " + ".join(g["event_labels"]) if "event_labels" in g else g.get("event_type")
        pred = " + ".join(p["event_labels"]) if "event_labels" in p else p.get("event_type")
        score = f" ({format_score(p['score'])})" if p.get("score") is not None else ""
        return f"event: gold {gold}, predicted {pred}{score}"
    where = lambda s: f"{s.get('label')} {s.get('start')}-{s.get('end')}"  # noqa: E731
    if kind == "missed":
        return f"missed: gold {where(g)}" + (f" (overlapping prediction {where(p)})" if p else "")
    if kind == "spurious":
        return f"spurious: predicted {where(p)}" + (f" (overlapping gold {where(g)})" if g else "")
    if kind == "boundary":
        return f"boundary: gold {where(g)} predicted as {p.get('start')}-{p.get('end')}"
    if kind == "label":
        return f"label: gold {where(g)} predicted as {p.get('label')}"
    return str(kind)


def _kind_class(kind: str) -> str:
    return kind if kind.replace("_", "").isalnum() and kind.isascii() else "other"


def error_kinds_html(counts: Mapping[str, int]) -> str:
    """The top of the errors page: each kind with its count (a link to its group) and its style."""
    items = [f'<span class="sample k-{_kind_class(k)}">{escape_text(k)}</span> '
             f'<a href="#kind-{_kind_class(k)}">{n}</a> — {escape_text(ERROR_STYLES.get(k, ""))}'
             for k, n in counts.items()]
    return '<section class="legend" dir="ltr"><b>errors</b><br>' + "<br>".join(items) + "</section>"
