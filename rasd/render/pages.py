"""`rasd render`: stream predictions or evaluation errors into one self-contained HTML page.

Reading and writing live here; the markup comes from :mod:`rasd.render.markup`. Pages are
written as they are read, one document (or error row) at a time, so memory does not grow with
the input; ``limit`` keeps a page to a size a browser opens at once (:data:`DEFAULT_LIMIT`
documents of a news dump make a page of about 1.3 MB). The page goes to a temporary file in the
output's folder and is renamed over the output only when complete, so a failed run never leaves
half a page, and an output that is one of the inputs is refused before anything is written.
"""

from __future__ import annotations

import csv
import os
import secrets
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from rasd.data.formats.jsonl import iter_json_lines, open_text
from rasd.errors import ConfigError, DataError
from rasd.inference.outputs import DocumentPrediction, SentencePrediction
from rasd.render.markup import (
    document_html,
    error_html,
    error_kinds_html,
    escape_text,
    event_name,
    is_event,
    legend_html,
    page_end,
    page_start,
)

DEFAULT_LIMIT = 200  # documents per page (errors: rows per kind); about 1.3 MB of HTML for news reports
ERROR_KIND_ORDER = ("event", "missed", "spurious", "boundary", "label")  # rasd.evaluation.errors.ERROR_KINDS
LOOKAHEAD = 10_000  # dump documents held while looking for a prediction's text (see TextLookup)


@dataclass
class RenderResult:
    """What a page holds: ``shown`` documents (or error rows) of ``read``; ``truncated`` when the
    limit stopped it before the end of the input; ``counts`` per slot label (or per error kind)."""

    output: Path
    shown: int = 0
    read: int = 0
    filtered: int = 0
    truncated: bool = False
    counts: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    unit: str = "document(s)"

    def summary(self) -> str:
        what = f"{self.shown} of {self.read} {self.unit}"
        if self.filtered:
            what += f" ({self.filtered} left out by the filters)"
        more = "; stopped at --limit, the input has more" if self.truncated else ""
        return "; ".join([f"wrote {self.output}: {what}{more}", *self.notes])


# --- output --------------------------------------------------------------------------------------

@contextmanager
def atomic_output(output: Path, inputs: Sequence[Path]) -> Iterator[IO[str]]:
    """A UTF-8 stream on a temporary file beside ``output``, renamed onto it when the block succeeds
    and removed when it fails. Refuses an ``output`` that is a folder or one of ``inputs``."""
    if output.is_dir():
        raise ConfigError(f"-o {output} is a folder: name the HTML file to write, e.g. {output / 'view.html'}")
    for source in inputs:
        if output.exists() and source.exists() and os.path.samefile(output, source):
            raise ConfigError(f"-o {output} is the input {source}: rasd render never overwrites its input; "
                              "choose another output name")
    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = output.with_name(f".{output.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with open(fd, "w", encoding="utf-8", errors="xmlcharrefreplace", newline="") as stream:
            yield stream
        os.replace(tmp, output)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def default_output(source: Path) -> Path:
    """``predictions.jsonl`` -> ``predictions.html`` beside it (``.jsonl.gz`` too)."""
    name = source.name[:-3] if source.name.endswith(".gz") else source.name
    return source.with_name((name.rsplit(".", 1)[0] if "." in name else name) + ".html")


# --- inputs --------------------------------------------------------------------------------------

def read_predictions(path: Path) -> Iterator[tuple[int, DocumentPrediction]]:
    """(line, document) for each line of a ``rasd predict`` JSON Lines file; a bad line raises
    :class:`DataError` naming it."""
    with open_text(path) as stream:
        for item in iter_json_lines(stream):
            if item.error:
                raise DataError(item.error, path=path, line=item.line)
            obj = item.value
            if isinstance(obj, dict) and "kind" in obj and "gold" in obj:
                raise DataError("this is an errors.jsonl row, not a prediction: use rasd render --errors FILE",
                                path=path, line=item.line)
            try:
                if not isinstance(obj, dict) or not isinstance(obj.get("sentences", []), list):
                    raise TypeError("not an object with a list of sentences")
                yield item.line, DocumentPrediction.from_dict(obj)
            except (KeyError, TypeError) as e:
                raise DataError(f"not a document prediction as rasd predict writes them (JSON Lines): {e}",
                                path=path, line=item.line) from None


class TextLookup:
    """The text of each predicted document, read from the dump the predictions were made from.

    Predictions are written in the dump's order, so the dump is read alongside them; documents
    read past while looking for an id are held (at most ``lookahead`` of them), so predictions of
    a subset, or in a somewhat different order, still find their text.
    """

    def __init__(self, source: Path, *, text_field: str = "text", id_field: str = "id",
                 lookahead: int = LOOKAHEAD) -> None:
        from rasd.inference.inputs import DumpDocument, read_documents

        self.source = source
        self._docs = (d for d in read_documents(source, text_field=text_field, id_field=id_field)
                      if isinstance(d, DumpDocument))
        self._held: OrderedDict[str, str] = OrderedDict()
        self.lookahead = lookahead
        self.dropped = 0

    def text(self, doc_id: str) -> str | None:
        if doc_id in self._held:
            return self._held.pop(doc_id)
        for doc in self._docs:
            if doc.id == doc_id:
                return doc.text
            self._held[doc.id] = doc.text
            if len(self._held) > self.lookahead:
                self._held.popitem(last=False)
                self.dropped += 1
        return None


def read_incident_rows(path: Path) -> dict[str, list[dict[str, Any]]]:
    """The rows of a ``rasd incidents`` table (CSV or JSON Lines) by document id. A deduplicated
    row belongs to every report in its ``doc_ids``. (An incident table is small next to the
    predictions it came from, so it is read whole.)"""
    rows: dict[str, list[dict[str, Any]]] = {}
    for line, row in _table_rows(path):
        if "doc_id" not in row:
            raise DataError("no doc_id column: not an incident table written by rasd incidents", path=path, line=line)
        ids = row.get("doc_ids") or row["doc_id"]
        for doc_id in ids.split("|") if isinstance(ids, str) else ids:
            rows.setdefault(str(doc_id), []).append(row)
    return rows


def _table_rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    if not path.is_file():
        raise DataError("file not found", path=path)
    if any(s in (".jsonl", ".json") for s in path.suffixes):
        with open_text(path) as stream:
            for item in iter_json_lines(stream):
                if item.error or not isinstance(item.value, dict):
                    raise DataError(item.error or "not a JSON object", path=path, line=item.line)
                yield item.line, item.value
        return
    with open(path, encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        for row in reader:
            yield reader.line_num, row


# --- predictions page ----------------------------------------------------------------------------

def sentence_filter(event_types: Sequence[str] = (), min_score: float | None = None,
                    none_event: str = "none") -> Callable[[SentencePrediction], bool] | None:
    """Which event sentences the page shows as events (None: all of them). A sentence passes when
    one of its event labels is in ``event_types`` (when given) and its probability is at least
    ``min_score`` (when given)."""
    if not event_types and min_score is None:
        return None
    wanted = set(event_types)

    def keep(s: SentencePrediction) -> bool:
        if not is_event(s, none_event):
            return False
        labels = set(s.event_labels or [s.event_type])
        if wanted and not labels & wanted:
            return False
        return min_score is None or (s.event_score is not None and s.event_score >= min_score)

    return keep


def render_predictions(
    predictions: str | Path,
    output: str | Path | None = None,
    *,
    texts: str | Path | None = None,
    text_field: str = "text",
    id_field: str = "id",
    incidents: str | Path | None = None,
    limit: int = DEFAULT_LIMIT,
    event_types: Sequence[str] = (),
    min_score: float | None = None,
    none_event: str = "none",
) -> RenderResult:
    """Write ``predictions`` (``rasd predict`` JSON Lines) as one right-to-left HTML page.

    Each document shows its incident rows (from ``incidents``, a ``rasd incidents`` table) above
    its text, each event sentence marked with its type and probability, and each slot in its
    label's colour with the label beside it. ``texts`` is the dump that was scored (any format
    ``rasd predict`` reads): with it every document is shown whole, the sentences without an event
    dimmed; without it only the sentences in the predictions are known, and the rest is an
    ellipsis. With ``event_types`` or ``min_score``, only documents with a sentence that passes
    are shown, and the sentences that do not pass are dimmed. ``limit`` documents at most (0: all).

    >>> render_predictions("predictions.jsonl", "view.html", texts="dump.jsonl")  # doctest: +SKIP
    RenderResult(output=PosixPath('view.html'), shown=200, read=200, ...)
    """
    source = Path(predictions)
    if limit < 0:
        raise ConfigError(f"--limit must be 0 (everything) or more, got {limit}")
    if not source.is_file():
        raise DataError("file not found", path=source)
    out = Path(output) if output is not None else default_output(source)
    extra = [Path(p) for p in (texts, incidents) if p is not None]
    rows = read_incident_rows(Path(incidents)) if incidents is not None else {}
    lookup = TextLookup(Path(texts), text_field=text_field, id_field=id_field) if texts is not None else None
    keep = sentence_filter(event_types, min_score, none_event)
    result = RenderResult(output=out)
    slots: Counter[str] = Counter()
    events: Counter[str] = Counter()
    seen_types: set[str] = set()
    subtitle = (f"{source}" + (f" · text from {texts}" if texts is not None else
                               " · only the predicted sentences (--texts DUMP shows whole documents)")
                + (f" · incidents from {incidents}" if incidents is not None else "")
                + (f" · event types {', '.join(event_types)}" if event_types else "")
                + (f" · p >= {min_score}" if min_score is not None else ""))
    with atomic_output(out, [source, *extra]) as stream:
        stream.write(page_start(f"rasd: {source.name}", subtitle))
        for line, doc in read_predictions(source):
            seen_types.update(s.event_type for s in doc.sentences if s.event_type)
            if keep is not None and not any(keep(s) for s in doc.sentences):
                result.read += 1
                result.filtered += 1
                continue
            if limit and result.shown >= limit:
                result.truncated = True
                break
            result.read += 1
            text = _text_for(lookup, doc, source, line) if lookup is not None else None
            try:
                html = document_html(doc, text, incidents=rows.get(doc.id, ()), keep=keep, none_event=none_event,
                                     anchor=f"doc-{result.shown + 1}")
            except ValueError as e:
                hint = f": is {texts} the dump these predictions were made from?" if texts is not None else ""
                raise DataError(f"{e}{hint}", path=source, line=line) from None
            stream.write(html + "\n")
            result.shown += 1
            for s in doc.sentences:
                slots.update(x.label for x in s.slots)
                if is_event(s, none_event) and (keep is None or keep(s)):
                    events[event_name(s) or ""] += 1
        footer = f"{result.shown} document(s) shown" + (
            f"; the page stops at {limit} (rasd render --limit N; 0 shows everything)" if result.truncated else "")
        stream.write(page_end(legend_html(dict(slots.most_common()), dict(events.most_common()),
                                          dimmed="dimmed: sentences without an event (or left out by the filters)"),
                              footer))
    result.counts = dict(slots.most_common())
    if keep is not None and not result.shown:
        result.notes.append("no document passed the filters; event types in the file: "
                            + (", ".join(sorted(seen_types)) or "none"))
    return result


def _text_for(lookup: TextLookup, doc: DocumentPrediction, source: Path, line: int) -> str:
    text = lookup.text(doc.id)
    if text is None:
        raise DataError(f"document {doc.id!r} is not in {lookup.source} (or not within {LOOKAHEAD} documents of "
                        "where the order of the predictions puts it): pass the dump these predictions were made "
                        "from, with the same --text-field and --id-field", path=source, line=line)
    return text


# --- errors page ---------------------------------------------------------------------------------

def read_error_rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line, row) for each line of an ``errors.jsonl`` written by ``rasd evaluate --output``."""
    with open_text(path) as stream:
        for item in iter_json_lines(stream):
            row = item.value
            if item.error:
                raise DataError(item.error, path=path, line=item.line)
            if isinstance(row, dict) and "sentences" in row:
                raise DataError("this is a prediction, not an error row: drop --errors", path=path, line=item.line)
            if not isinstance(row, dict) or not isinstance(row.get("kind"), str) or not isinstance(row.get("text"), str):
                raise DataError("not an error row as rasd evaluate --output writes them (no 'kind' or 'text')",
                                path=path, line=item.line)
            yield item.line, row


def render_errors(errors: str | Path, output: str | Path | None = None, *, limit: int = DEFAULT_LIMIT) -> RenderResult:
    """Write an ``errors.jsonl`` as one HTML page: the rows grouped by kind (event, missed, spurious,
    boundary, label) with their counts, each row's sentence shown twice, gold span above the
    predicted one, the kinds told apart by style. ``limit`` rows per kind at most (0: all).

    The file is read once to count and once per kind to write, so memory stays flat.

    >>> render_errors("runs/eval/errors.jsonl")  # doctest: +SKIP
    RenderResult(output=PosixPath('runs/eval/errors.html'), shown=412, read=412, ...)
    """
    source = Path(errors)
    if source.is_dir():
        source = source / "errors.jsonl"
    if limit < 0:
        raise ConfigError(f"--limit must be 0 (everything) or more, got {limit}")
    if not source.is_file():
        raise DataError("file not found (rasd evaluate --output DIR writes DIR/errors.jsonl)", path=source)
    out = Path(output) if output is not None else default_output(source)
    counts = Counter(row["kind"] for _, row in read_error_rows(source))
    kinds = [k for k in ERROR_KIND_ORDER if counts[k]] + sorted(k for k in counts if k not in ERROR_KIND_ORDER)
    result = RenderResult(output=out, read=sum(counts.values()), counts={k: counts[k] for k in kinds},
                          unit="error row(s)")
    with atomic_output(out, [source]) as stream:
        stream.write(page_start(f"rasd errors: {source}", f"{result.read} error(s); gold above, predicted below"))
        if not kinds:
            stream.write('<p class="note" dir="ltr">No errors: every span and event type matched the gold.</p>\n')
        for kind in kinds:
            stream.write(_write_kind(stream, source, kind, counts[kind], limit, result))
        stream.write(page_end(error_kinds_html(result.counts),
                              f"{result.shown} of {result.read} error row(s) shown"
                              + (f"; at most {limit} per kind (rasd render --errors --limit N)" if result.truncated else "")))
    return result


def _write_kind(stream: IO[str], source: Path, kind: str, count: int, limit: int, result: RenderResult) -> str:
    anchor = kind if kind.replace("_", "").isalnum() and kind.isascii() else "other"
    stream.write(f'<section class="kind" id="kind-{anchor}"><h2 dir="ltr">{escape_text(kind)} ({count})</h2>\n')
    shown = 0
    for line, row in read_error_rows(source):
        if row["kind"] != kind:
            continue
        if limit and shown >= limit:
            result.truncated = True
            break
        try:
            stream.write(error_html(row) + "\n")
        except (ValueError, KeyError, TypeError) as e:
            raise DataError(f"bad error row: {e}", path=source, line=line) from None
        shown += 1
    result.shown += shown
    more = f'<p class="note" dir="ltr">{count - shown} more not shown (--limit)</p>\n' if shown < count else ""
    return more + "</section>\n"
