"""Importers and exporters for annotation tools, a format sniffer, and the one reader to use.

:func:`read_records` is what the rest of rasd calls: it picks the importer (``IMPORTERS``, or
:func:`sniff_format`), streams its records, checks each with
:func:`~rasd.data.validation.check_record`, and either stops at the first problem with a
:class:`~rasd.errors.DataError` naming file and line, or (``skip_invalid=True``) writes the bad
record to a rejects file and counts it in a :class:`ReadStats` the caller passes in.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from rasd.data.formats.base import Exporter, Importer, Item, Notice, ReadStats, stats_or_warnings
from rasd.data.formats.brat import iter_brat, read_brat
from rasd.data.formats.conll import FLATTEN, iter_conll, read_conll, write_conll
from rasd.data.formats.doccano import iter_doccano, read_doccano
from rasd.data.formats.jsonl import iter_jsonl_items, open_text, read_jsonl, write_jsonl
from rasd.data.formats.label_studio import iter_label_studio, read_label_studio
from rasd.data.formats.prodigy import iter_prodigy, read_prodigy
from rasd.data.records import Record
from rasd.data.schema import LabelSchema
from rasd.data.tagging import split_tag
from rasd.data.validation import check_record
from rasd.errors import ConfigError, DataError, FormatError

__all__ = [
    "EXPORTERS", "IMPORTERS", "Exporter", "Importer", "Notice", "ReadStats", "get_exporter", "get_importer",
    "guess_output_format", "read_brat", "read_conll", "read_doccano", "read_jsonl", "read_label_studio",
    "read_prodigy", "read_records", "sniff_format", "write_conll", "write_jsonl",
]

_REPAIR = frozenset({"repair_offsets"})
IMPORTERS: dict[str, Importer] = {
    "jsonl": Importer("jsonl", iter_jsonl_items, read_jsonl, (".jsonl", ".ndjson"), frozenset(),
                      "rasd's canonical JSON Lines"),
    "conll": Importer("conll", iter_conll, read_conll, (".conll", ".iob", ".bio", ".tsv", ".txt"),
                      frozenset({"flatten"}), "token-per-line CoNLL (IOB1/IOB2/BIOES/IO, nested with flatten)"),
    "label-studio": Importer("label-studio", iter_label_studio, read_label_studio, (".json",), _REPAIR,
                             "Label Studio JSON export"),
    "doccano": Importer("doccano", iter_doccano, read_doccano, (".jsonl",), _REPAIR, "Doccano JSONL export"),
    "brat": Importer("brat", iter_brat, read_brat, (".ann",), _REPAIR, "brat standoff (.txt + .ann)"),
    "prodigy": Importer("prodigy", iter_prodigy, read_prodigy, (".jsonl",), _REPAIR, "Prodigy JSONL (db-out)"),
}
EXPORTERS: dict[str, Exporter] = {
    "jsonl": Exporter("jsonl", write_jsonl, (".jsonl", ".ndjson"), "rasd's canonical JSON Lines"),
    "conll": Exporter("conll", write_conll, (".conll", ".iob", ".bio", ".tsv", ".txt"), "CoNLL, IOB2 tags"),
}
_ALIASES = {"label_studio": "label-studio", "labelstudio": "label-studio", "ls": "label-studio",
            "conll2003": "conll", "iob": "conll", "bio": "conll", "json": "jsonl"}
_PRODIGY_KEYS = {"answer", "_input_hash", "_task_hash", "_view_id", "accept", "options"}


def _canonical_name(name: str) -> str:
    key = name.strip().lower()
    return _ALIASES.get(key, key)


def get_importer(name: str) -> Importer:
    """The importer registered under ``name`` (``label_studio`` and ``label-studio`` both work)."""
    try:
        return IMPORTERS[_canonical_name(name)]
    except KeyError:
        raise ConfigError(f"unknown input format {name!r}; expected one of {sorted(IMPORTERS)}") from None


def get_exporter(name: str) -> Exporter:
    try:
        return EXPORTERS[_canonical_name(name)]
    except KeyError:
        raise ConfigError(f"unknown output format {name!r}; expected one of {sorted(EXPORTERS)}") from None


def read_records(
    path: str | Path,
    fmt: str | None = None,
    *,
    skip_invalid: bool = False,
    rejects: str | Path | IO[str] | None = None,
    schema: LabelSchema | None = None,
    repair_offsets: bool = False,
    flatten: str | None = None,
    stats: ReadStats | None = None,
) -> Iterator[Record]:
    """Stream valid records from any supported file, checking each against the guidelines (and ``schema``).

    Without ``skip_invalid`` the first bad record raises :class:`~rasd.errors.DataError` with its
    file and line. With it, each bad record is counted in ``stats.rejected`` (with its reason in
    ``stats.rejections``) and, when ``rejects`` is given, written there as one JSON line
    ``{"path", "line", "reason", "record"}`` (or ``"raw"`` for input that never became a record).
    Repairs (``repair_offsets=True``, lenient tag reading) land in ``stats.repairs``; without a
    ``stats`` object every notice becomes a ``UserWarning``. ``repair_offsets`` does nothing for
    formats without character offsets (CoNLL, canonical JSONL); ``flatten`` is for CoNLL only.

    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "x.jsonl")
    >>> _ = open(p, "w", encoding="utf-8").write('{"id": "a", "text": "قصف"}\\n{"id": "b", "text": " "}\\n')
    >>> stats = ReadStats()
    >>> [r.id for r in read_records(p, skip_invalid=True, stats=stats)], stats.rejected
    (['a'], 1)
    >>> str(stats.rejections[0]).endswith("x.jsonl:2: record 'b': text is empty")
    True
    """
    if not Path(path).exists():
        raise DataError("file not found", path=path)
    importer = get_importer(fmt if fmt is not None else sniff_format(path))
    options: dict[str, Any] = {}
    if flatten is not None:
        if "flatten" not in importer.options:
            raise ConfigError(f"flatten applies to nested CoNLL files, not to {importer.name}")
        if flatten not in FLATTEN:
            raise ConfigError(f"flatten must be one of {FLATTEN}, got {flatten!r}")
        options["flatten"] = flatten
    if repair_offsets and "repair_offsets" in importer.options:
        options["repair_offsets"] = True
    if rejects is not None and not skip_invalid:
        raise ConfigError("a rejects file is only written with skip_invalid=True")
    stats = stats_or_warnings(stats)
    items = importer.items(path, stats=stats, **options)
    return _checked(items, path=str(path), skip_invalid=skip_invalid, rejects=rejects, schema=schema, stats=stats)


def _checked(items: Iterable[Item], *, path: str, skip_invalid: bool, rejects: str | Path | IO[str] | None,
             schema: LabelSchema | None, stats: ReadStats) -> Iterator[Record]:
    own = rejects is not None and not isinstance(rejects, io.TextIOBase)
    out: IO[str] | None = open(rejects, "w", encoding="utf-8") if own else rejects  # type: ignore[arg-type]
    try:
        for item in items:
            where = item.path or path
            problem = item.error
            if problem is None and item.record is not None:
                messages = check_record(item.record, schema)
                if messages:
                    problem = DataError(f"record {item.record.id!r}: {'; '.join(messages)}", path=where, line=item.line)
            if problem is None:
                stats.records += 1
                yield item.record  # type: ignore[misc]
                continue
            if not skip_invalid:
                raise problem
            line = problem.line if problem.line is not None else item.line
            stats.reject(Notice("rejected", problem.reason, path=problem.path or where, line=line))
            if out is not None:
                entry: dict[str, Any] = {"path": problem.path or where, "line": line, "reason": problem.reason}
                if item.record is not None:
                    entry["record"] = item.record.to_dict()
                else:
                    entry["raw"] = item.raw
                out.write(json.dumps(entry, ensure_ascii=False) + "\n")
    finally:
        if own and out is not None:
            out.close()


def sniff_format(path: str | Path) -> str:
    """The input format of ``path``, from its content first and its name second.

    A directory with ``.ann`` files (or a ``.txt`` with an ``.ann`` beside it) is brat; a JSON list
    of tasks is Label Studio; JSON Lines are told apart by their keys (Prodigy's ``answer`` and
    hashes, Doccano's ``entities``/``label``, rasd's ``id``/``spans``/``event_type``); lines of
    ``token TAG`` are CoNLL. Raises :class:`~rasd.errors.FormatError` when it cannot tell.
    """
    p = Path(path)
    if p.is_dir():
        if any(p.glob("*.ann")):
            return "brat"
        raise FormatError("cannot tell the format of this directory: only brat directories (.txt + .ann) "
                          "are read", path=p)
    if not p.is_file():
        raise DataError("file not found", path=p)
    name = p.name.lower().removesuffix(".gz")
    suffix = Path(name).suffix
    if suffix == ".ann" or (suffix == ".txt" and p.with_suffix(".ann").is_file()):
        return "brat"
    _check_wide_encoding(p)
    head = _head(p)
    body = head.lstrip()
    if body.startswith("["):
        if any(key in head for key in ('"annotations"', '"completions"', '"data"')):
            return "label-studio"
    elif body.startswith("{"):
        # The first line that parses decides: a broken first line must still be read as JSON Lines
        # (so that `rasd validate` can report it) rather than refused as an unknown format.
        for line in body.splitlines()[:50]:
            try:
                obj = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(obj, dict):
                return _sniff_json_object(obj)
        if suffix in IMPORTERS["jsonl"].suffixes:
            return "jsonl"
    elif body and _looks_like_conll(head):
        return "conll"
    elif body:
        bad = _conll_bad_tag(head)
        if bad is not None:
            line, tag = bad
            raise FormatError(f"this looks like CoNLL, but the tag {tag!r} is not IOB/BIO (O, B-LABEL, I-LABEL); "
                              "fix the tag (or pass --format conll to see every bad line)", path=p, line=line)
    if not body:
        for fmt in ("jsonl", "conll", "label-studio"):
            if suffix in IMPORTERS[fmt].suffixes:
                return fmt
    raise FormatError(f"cannot tell the format from the name or the content; pass it explicitly "
                      f"(one of {sorted(IMPORTERS)})", path=p)


def _head(path: Path, size: int = 1 << 16) -> str:
    with open_text(path) as f:
        data = f.read(size)
    return data.decode("utf-8", "replace").removeprefix("\ufeff")


def _sniff_json_object(obj: dict[str, Any]) -> str:
    keys = set(obj)
    if keys & _PRODIGY_KEYS:
        return "prodigy"
    if keys & {"entities", "cats"} or (keys & {"label", "labels"} and "spans" not in keys):
        return "doccano"
    if "spans" in keys and not keys & {"id", "event_type", "doc_id"}:
        return "prodigy"
    return "jsonl"


def _check_wide_encoding(path: Path) -> None:
    """A UTF-16/UTF-32 file is named as such instead of being read as broken UTF-8."""
    from rasd.safe_io import wide_encoding

    with open(path, "rb") as f:
        enc = wide_encoding(f.read(4))
    if enc is not None:
        raise FormatError(f"the file is {enc}, not UTF-8; convert it first: iconv -f {enc.rstrip('LBE')} -t UTF-8 "
                          f"{path} > converted", path=path)


def _conll_bad_tag(head: str) -> tuple[int, str] | None:
    """(line, tag) of the first bad tag in a file whose other rows are CoNLL (four in five at least)."""
    numbered = [(n, line.split()) for n, line in enumerate(head.splitlines()[:-1] or head.splitlines(), start=1)]
    rows = [(n, parts) for n, parts in numbered if parts and parts[0] != "-DOCSTART-"][:200]
    if len(rows) < 3 or any(len(parts) < 2 for _, parts in rows):
        return None
    bad = []
    for n, parts in rows:
        try:
            split_tag(parts[-1])
        except ValueError:
            bad.append((n, parts[-1]))
    return bad[0] if bad and len(bad) * 5 <= len(rows) else None


def _looks_like_conll(head: str) -> bool:
    lines = [line.split() for line in head.splitlines()[:-1] or head.splitlines()]
    rows = [parts for parts in lines if parts and parts[0] != "-DOCSTART-"][:50]
    if not rows:
        return False
    for parts in rows:
        if len(parts) < 2:
            return False
        try:
            split_tag(parts[-1])
        except ValueError:
            return False
    return True


def guess_output_format(path: str | Path) -> str:
    """The output format for a file name (``.jsonl`` -> jsonl, ``.conll``/``.txt``/``.tsv`` -> conll)."""
    name = Path(path).name.lower()
    for fmt, exporter in EXPORTERS.items():
        if any(name.endswith(suffix) for suffix in exporter.suffixes):
            return fmt
    raise ConfigError(f"cannot tell the output format from the name {Path(path).name!r}; "
                      f"pass one of {sorted(EXPORTERS)}")
