"""CoNLL-style token files: ``token label`` per line, a blank line between sentences.

Reading (:func:`read_conll`):

- Columns are split on whitespace (tabs or spaces). ``-DOCSTART-`` lines start a document;
  a file without them gets one document per sentence (``doc_id`` stays ``None``).
  ``$#$`` lines (Wojood's segment marks, configurable with ``segment_marker``) are not tokens and
  are skipped.
- The tag scheme (IOB1, IOB2, BIOES or IO) is detected from the first ``sample_sentences``
  sentences unless ``scheme`` is given, and every sentence is normalized to IOB2. A tag that
  breaks the scheme (``I-LOC`` after ``O`` in an IOB2 file) is read as ``conlleval`` reads it,
  as the start of a chunk, and reported in ``stats.repairs`` with its file:line; with
  ``strict_tags=True`` it is an error instead. A tag that is not a tag at all is always an error.
- Invisible direction and width marks (U+200B, U+200E, U+200F, U+061C, U+FEFF, U+202A-U+202E,
  U+2066-U+2069) are removed from tokens; a token that is left with nothing
  :func:`~rasd.text.words.tokenize_words` would keep (only marks) is dropped, with its tag, and
  counted in ``stats.dropped_tokens``. A UTF-8 BOM and CRLF line ends are accepted.
- A nested file (more than one tag per token, like Wojood's ``token TAG TAG ...``) is an error
  unless ``flatten`` says which tag to keep per token: ``"outer"`` (the first) or ``"inner"``
  (the last). Keeping the inner tag can cut an outer chunk in two; the cut-off ``I-`` tag then
  starts a chunk of its own and is reported like any other scheme break.

Each sentence becomes a record whose text is its tokens joined by single spaces, with character
spans; ids are ``<file stem>-<sentence number>``, doc ids ``<file stem>-doc<n>``.

Writing (:func:`write_conll`) tokenizes each text with :func:`~rasd.text.words.tokenize_words`
and writes IOB2 tags. Event types have no place in the format and are not written.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from rasd.data.formats.base import Item, Notice, ReadStats, file_stem, records_or_raise, stats_or_warnings
from rasd.data.formats.jsonl import open_text
from rasd.data.records import Record, Span
from rasd.data.tagging import (
    SCHEMES,
    TagIssue,
    detect_scheme,
    normalize_tags,
    spans_to_tags,
    split_tag,
    tags_to_spans,
)
from rasd.errors import DataError, FormatError
from rasd.text.words import tokenize_words

DOCSTART = "-DOCSTART-"
FLATTEN = ("outer", "inner")
_MARKS = dict.fromkeys([0x200B, 0x200E, 0x200F, 0x061C, 0xFEFF, *range(0x202A, 0x202F), *range(0x2066, 0x206A)])


@dataclass
class _Sentence:
    doc: int | None
    lines: list[int] = field(default_factory=list)
    tokens: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    error: DataError | None = None
    raw: list[str] = field(default_factory=list)


def read_conll(
    path: str | Path,
    *,
    flatten: str | None = None,
    scheme: str | None = None,
    strict_tags: bool = False,
    segment_marker: str | None = "$#$",
    sample_sentences: int = 1000,
    stats: ReadStats | None = None,
) -> Iterator[Record]:
    """Stream the sentences of a CoNLL file as records; the first bad sentence raises :class:`FormatError`.

    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "x.conll")
    >>> _ = open(p, "w", encoding="utf-8").write("قصف O\\nحقل B-LOC\\nالعمر I-LOC\\n")
    >>> r = next(read_conll(p)); r.text, [s.text_in(r.text) for s in r.spans]
    ('قصف حقل العمر', ['حقل العمر'])
    """
    return records_or_raise(iter_conll(path, flatten=flatten, scheme=scheme, strict_tags=strict_tags,
                                       segment_marker=segment_marker, sample_sentences=sample_sentences,
                                       stats=stats))


def iter_conll(
    path: str | Path,
    *,
    flatten: str | None = None,
    scheme: str | None = None,
    strict_tags: bool = False,
    segment_marker: str | None = "$#$",
    sample_sentences: int = 1000,
    stats: ReadStats | None = None,
) -> Iterator[Item]:
    """Like :func:`read_conll`, but a bad sentence becomes an error item and reading goes on."""
    if flatten is not None and flatten not in FLATTEN:
        raise ValueError(f"flatten must be one of {FLATTEN} or None, got {flatten!r}")
    if scheme is not None and scheme not in SCHEMES:
        raise ValueError(f"scheme must be one of {SCHEMES} or None, got {scheme!r}")
    stats = stats_or_warnings(stats)
    stem = file_stem(path)
    sentences = _sentences(path, flatten=flatten, segment_marker=segment_marker)
    sample: list[_Sentence] = []
    if scheme is None:
        for sentence in sentences:
            sample.append(sentence)
            if len(sample) >= sample_sentences:
                break
        scheme = detect_scheme([s.tags for s in sample if s.error is None and s.tags])
    stats.tag_scheme = scheme

    def all_sentences() -> Iterator[_Sentence]:
        yield from sample
        yield from sentences

    for number, sentence in enumerate(all_sentences(), start=1):
        item = _to_item(sentence, rid=f"{stem}-{number}", path=path, stem=stem, scheme=scheme,
                        strict_tags=strict_tags, stats=stats)
        if item is not None:
            yield item


def _sentences(path: str | Path, *, flatten: str | None, segment_marker: str | None) -> Iterator[_Sentence]:
    """Group lines into sentences; a line that cannot be read marks its sentence as broken."""
    doc: int | None = None
    current: _Sentence | None = None
    with open_text(path) as f:
        for n, raw in enumerate(f, start=1):
            line, problem = _decode(raw, first=n == 1)
            parts = line.split()
            if not parts or parts[0] == DOCSTART:
                if current is not None and (current.tokens or current.error):  # not only segment marks
                    yield current
                current = None
                if parts:
                    doc = 1 if doc is None else doc + 1
                continue
            if current is None:
                current = _Sentence(doc)
            current.raw.append(line)
            if current.error is not None or (problem is None and parts[0] == segment_marker):
                continue
            problem = problem or _line_problem(parts, flatten)
            if problem is not None:
                current.error = FormatError(problem, path=path, line=n)
                continue
            current.lines.append(n)
            current.tokens.append(parts[0])
            current.tags.append(parts[1] if flatten != "inner" else parts[-1])
    if current is not None and (current.tokens or current.error):
        yield current


def _decode(raw: bytes, *, first: bool) -> tuple[str, str | None]:
    """The line without its BOM and line end, and why it is not valid UTF-8 (None when it is)."""
    if first and raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8").rstrip("\r\n"), None
    except UnicodeDecodeError as e:
        return (raw.decode("utf-8", "replace").rstrip("\r\n"),
                f"not valid UTF-8 (byte {e.start}: {raw[e.start:e.start + 4]!r})")


def _line_problem(parts: list[str], flatten: str | None) -> str | None:
    if len(parts) == 1:
        return f"line has one column {parts[0]!r}; expected 'token label'"
    for tag in parts[1:]:
        try:
            split_tag(tag)
        except ValueError as e:
            if len(parts) > 2:
                return (f"line has {len(parts)} columns {' '.join(parts)!r}; expected 'token label' "
                        f"(or 'token TAG TAG ...' for nested tags, but {e})")
            return str(e)
    if len(parts) > 2 and flatten is None:
        return (f"nested tags {' '.join(parts[1:])!r} for token {parts[0]!r}: this file holds nested "
                "entities; choose one tag per token with --flatten outer (outermost) or --flatten inner (innermost)")
    return None


def _to_item(sentence: _Sentence, *, rid: str, path: str | Path, stem: str, scheme: str, strict_tags: bool,
             stats: ReadStats) -> Item | None:
    first_line = sentence.lines[0] if sentence.lines else None
    if sentence.error is not None:
        return Item(sentence.error.line, error=sentence.error, raw="\n".join(sentence.raw))
    tags, issues = normalize_tags(sentence.tags, scheme)
    for issue in issues:
        if strict_tags:
            return Item(first_line, raw="\n".join(sentence.raw),
                        error=FormatError(f"{scheme} tag error: {issue.message}", path=path,
                                          line=sentence.lines[issue.index]))
        stats.repair(_tag_notice(issue, path=path, line=sentence.lines[issue.index], rid=rid, scheme=scheme))
    tokens, tags = _drop_mark_tokens(sentence.tokens, tags, stats)
    if not tokens:
        reason = "sentence of invisible tokens only"
        stats.skip(reason, Notice("skipped", reason, path=str(path), line=first_line, record_id=rid))
        return None
    offsets, pos = [], 0
    for token in tokens:
        offsets.append((pos, pos + len(token)))
        pos += len(token) + 1
    spans = [Span(offsets[s][0], offsets[e - 1][1], label) for s, e, label in tags_to_spans(tags)]
    doc_id = f"{stem}-doc{sentence.doc}" if sentence.doc is not None else None
    return Item(first_line, record=Record(id=rid, text=" ".join(tokens), doc_id=doc_id, spans=spans),
                raw="\n".join(sentence.raw))


def _tag_notice(issue: TagIssue, *, path: str | Path, line: int, rid: str, scheme: str) -> Notice:
    return Notice("tags", f"{scheme} tag error: {issue.message}", path=str(path), line=line, record_id=rid)


def _drop_mark_tokens(tokens: list[str], tags: list[str], stats: ReadStats) -> tuple[list[str], list[str]]:
    kept_tokens: list[str] = []
    kept_tags: list[str] = []
    carry_begin = False
    for token, tag in zip(tokens, tags, strict=True):
        token = token.translate(_MARKS)
        if not token or not tokenize_words(token):
            stats.dropped_tokens += 1
            carry_begin = carry_begin or tag.startswith("B-")
            continue
        if carry_begin and tag.startswith("I-"):
            tag = "B-" + tag[2:]
        carry_begin = False
        kept_tokens.append(token)
        kept_tags.append(tag)
    return kept_tokens, kept_tags


def write_conll(records: Iterable[Record], path: str | Path | IO[str], *, docstart: bool = False) -> int:
    """Write records as ``word TAG`` lines (IOB2), a blank line after each sentence; returns the count.

    Words come from :func:`~rasd.text.words.tokenize_words`. With ``docstart=True`` a
    ``-DOCSTART- O`` line opens each document (records with one ``doc_id`` are expected together).

    >>> out = io.StringIO()
    >>> write_conll([Record(id="a", text="قصف حقل العمر", spans=[Span(4, 13, "LOCATION")])], out)
    1
    >>> print(out.getvalue(), end="")
    قصف O
    حقل B-LOCATION
    العمر I-LOCATION
    <BLANKLINE>
    """
    own = not isinstance(path, io.TextIOBase)
    f = open(path, "w", encoding="utf-8") if own else path  # type: ignore[arg-type]
    n = 0
    previous_doc: str | None = None
    try:
        for record in records:
            words = tokenize_words(record.text)
            if not words:
                raise DataError(f"record {record.id!r} has no words; CoNLL cannot hold an empty sentence")
            try:
                tags = spans_to_tags(words, record.spans)
            except DataError as e:
                raise DataError(f"record {record.id!r}: {e.reason}") from None
            if docstart and (n == 0 or record.document != previous_doc):
                f.write(f"{DOCSTART} O\n\n")
            previous_doc = record.document
            f.writelines(f"{record.text[s:e]} {tag}\n" for (s, e), tag in zip(words, tags, strict=True))
            f.write("\n")
            n += 1
    finally:
        if own:
            f.close()
    return n
