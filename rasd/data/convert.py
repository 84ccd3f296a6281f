"""Convert annotation files between formats: any importer in, canonical JSONL or CoNLL out.

This is the library side of ``rasd convert``: it reads with
:func:`~rasd.data.formats.read_records` (so every record is checked), streams into the
exporter, and returns what happened; it prints nothing. The output appears only when the
conversion succeeds (it is written beside it under a temporary name first).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rasd.data.formats import get_exporter, get_importer, guess_output_format, read_records, sniff_format
from rasd.data.formats.base import Notice, ReadStats
from rasd.data.records import Record
from rasd.data.schema import LabelSchema
from rasd.errors import ConfigError
from rasd.safe_io import atomic_output, guard_output


@dataclass
class ConvertResult:
    """What a conversion read, wrote, set aside and repaired; ``to_dict()`` is the JSON report."""

    input: str
    output: str
    from_format: str
    to_format: str
    written: int
    stats: ReadStats
    rejects_path: str | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def rejected(self) -> int:
        return self.stats.rejected

    @property
    def repairs(self) -> list[str]:
        return [str(n) for n in self.stats.repairs]

    def to_dict(self) -> dict[str, Any]:
        return {"input": self.input, "output": self.output, "from_format": self.from_format,
                "to_format": self.to_format, "written": self.written, "rejects_path": self.rejects_path,
                "warnings": self.warnings, **self.stats.to_dict()}


def convert(
    input: str | Path,
    output: str | Path,
    *,
    from_format: str | None = None,
    to_format: str | None = None,
    flatten: str | None = None,
    repair_offsets: bool = False,
    skip_invalid: bool = False,
    rejects: str | Path | None = None,
    schema: LabelSchema | None = None,
    docstart: bool = False,
    on_notice: Callable[[Notice], None] | None = None,
) -> ConvertResult:
    """Read ``input`` in any supported format and write ``output`` as JSONL or CoNLL.

    Formats are detected (:func:`~rasd.data.formats.sniff_format`, the output's extension)
    unless given. With ``skip_invalid`` bad records go to ``rejects`` (default:
    ``<output stem>.rejects.jsonl`` beside the output, removed again when nothing was rejected).
    ``docstart`` writes ``-DOCSTART-`` lines between documents in CoNLL output. ``on_notice``
    sees each repair, skip and rejection as it happens.

    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "in.jsonl").write_text('{"id": "a", "text": "قصف حقل العمر", '
    ...     '"spans": [{"start": 4, "end": 13, "label": "LOCATION"}]}\\n', encoding="utf-8")
    >>> convert(d / "in.jsonl", d / "out.conll").written
    1
    >>> print((d / "out.conll").read_text(encoding="utf-8"), end="")
    قصف O
    حقل B-LOCATION
    العمر I-LOCATION
    <BLANKLINE>
    """
    src, dst = Path(input), Path(output)
    guard_output(dst, [src, rejects])
    from_fmt = get_importer(from_format if from_format is not None else sniff_format(src)).name
    to_fmt = get_exporter(to_format if to_format is not None else guess_output_format(dst)).name
    stats = ReadStats(on_notice=on_notice)
    rejects_path = None
    if skip_invalid:
        rejects_path = Path(rejects) if rejects is not None else dst.with_name(f"{_stem(dst)}.rejects.jsonl")
    elif rejects is not None:
        raise ConfigError("a rejects file is only written with skip_invalid=True")
    records = read_records(src, from_fmt, skip_invalid=skip_invalid, rejects=rejects_path, schema=schema,
                           repair_offsets=repair_offsets, flatten=flatten, stats=stats)
    lost = _Counter()
    if to_fmt == "conll":
        records = lost.events(records)
    with atomic_output(dst) as tmp:  # an existing output is replaced only by a complete one
        if to_fmt == "conll":
            written = get_exporter(to_fmt).write(records, tmp, docstart=docstart)
        else:
            written = get_exporter(to_fmt).write(records, tmp)
    warnings = []
    if lost.count:
        warnings.append(f"CoNLL has no place for event types: {lost.count} records had one and it was not written")
    if rejects_path is not None and stats.rejected == 0:
        rejects_path.unlink(missing_ok=True)
        rejects_path = None
    return ConvertResult(input=str(src), output=str(dst), from_format=from_fmt, to_format=to_fmt, written=written,
                         stats=stats, rejects_path=str(rejects_path) if rejects_path else None, warnings=warnings)


class _Counter:
    """Counts records whose event type an exporter will drop, as they stream past."""

    def __init__(self) -> None:
        self.count = 0

    def events(self, records: Iterable[Record]) -> Iterator[Record]:
        for record in records:
            self.count += record.event_type is not None
            yield record


def _stem(path: Path) -> str:
    name = path.name
    return name[: -len(path.suffix)] if path.suffix else name
