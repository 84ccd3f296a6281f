"""``rasd predict`` as a library function: a dump in, predictions out, a :class:`PredictSummary` back.

:func:`predict_file` streams the input (:mod:`rasd.inference.inputs`) through
:meth:`Extractor.predict_stream` into the output (:mod:`rasd.inference.writers`), one document
at a time and in input order. Around that it:

* sets bad input lines aside in ``OUTPUT.rejects.jsonl`` (``{"line", "reason", "raw"}``) and
  goes on; the file is written afresh by every run, resumed ones included (they read the whole
  input again, so each reject appears exactly once), and only when there is a reject;
* keeps the FIRST document of each id: later ones with an id already seen go to the rejects
  file as duplicates, so an id appears at most once in the output;
* with ``resume``, skips ids already in OUTPUT (after cutting an incomplete tail, see
  :func:`~rasd.inference.writers.resume_output`) and appends the rest;
* flushes the output every time the engine goes back to the input for its next batch of
  documents, so a killed run loses at most the batch in flight;
* on Ctrl-C (SIGINT) stops taking new documents, writes the ones already being scored, closes
  the files and raises :class:`PredictInterrupted` (a ``KeyboardInterrupt``: the CLI exits 130);
  a second Ctrl-C stops at once. Either way the output can be resumed.
"""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from rasd.errors import ConfigError, RasdError
from rasd.inference.extractor import Extractor
from rasd.inference.inputs import DumpDocument, Reject, read_documents
from rasd.inference.outputs import DocumentPrediction
from rasd.inference.writers import (
    OUTPUT_FORMATS,
    PredictionWriter,
    RejectsWriter,
    ResumeState,
    check_run_record,
    make_writer,
    model_fingerprint,
    open_output,
    rejects_path_for,
    resume_output,
    run_record_path,
    write_run_record,
)
from rasd.safe_io import guard_output, os_error


@dataclass
class PredictSummary:
    """What one ``rasd predict`` run did; ``render()`` is what the CLI prints, ``to_dict()`` the same as data."""

    input: str
    output: Path | None  # None: stdout
    format: str
    rejects_path: Path | None = None  # set when something was rejected
    read: int = 0  # input records read: documents and rejects
    scored: int = 0  # documents scored and written (empty ones included)
    empty: int = 0  # ... of which had no sentence (empty or whitespace text): a record with no events
    rejected: int = 0  # records in the rejects file (duplicates included)
    duplicates: int = 0  # ... of which repeated an id seen earlier in the input
    skipped: int = 0  # documents already in OUTPUT (resume)
    ids_from_lines: int = 0  # documents without an id field: their id is "line:N"
    set_aside: int = 0  # complete but invalid lines cut from OUTPUT by --resume (in the rejects file)
    nan_values: int = 0  # NaN/infinity meta values written as null
    truncated_bytes: int = 0  # incomplete tail cut from OUTPUT before resuming
    sentences: int = 0
    event_sentences: int = 0
    slots: int = 0
    elapsed: float = 0.0  # seconds scoring (model loading excluded)
    load_seconds: float = 0.0
    interrupted: bool = False

    @property
    def docs_per_second(self) -> float:
        return self.scored / self.elapsed if self.elapsed > 0 else 0.0

    @property
    def sentences_per_second(self) -> float:
        return self.sentences / self.elapsed if self.elapsed > 0 else 0.0

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out.update(output=str(self.output) if self.output else None,
                   rejects_path=str(self.rejects_path) if self.rejects_path else None,
                   docs_per_second=round(self.docs_per_second, 2),
                   sentences_per_second=round(self.sentences_per_second, 2))
        return out

    def render(self) -> str:
        """A few lines for people.

        >>> print(PredictSummary("dump.jsonl", Path("out.jsonl"), "jsonl", read=3, scored=3, sentences=9,
        ...                      event_sentences=2, slots=5, elapsed=1.5).render())
        read 3 input records from dump.jsonl: 3 scored (0 empty), 0 rejected, 0 skipped (already in the output)
        9 sentences, 2 with an event, 5 slots -> out.jsonl (jsonl)
        1.5 s: 2.0 documents/s, 6.0 sentences/s (model loaded in 0.0 s)
        """
        out = str(self.output) if self.output else "stdout"
        src = "stdin" if self.input == "-" else self.input
        rejected = f"{self.rejected:,} rejected"
        if self.duplicates:
            rejected += f" (duplicate ids: {self.duplicates:,})"
        if self.rejects_path:
            rejected += f" -> {self.rejects_path}"
        lines = [
            f"read {self.read:,} input records from {src}: {self.scored:,} scored ({self.empty:,} empty), "
            f"{rejected}, {self.skipped:,} skipped (already in the output)",
            f"{self.sentences:,} sentences, {self.event_sentences:,} with an event, {self.slots:,} slots "
            f"-> {out} ({self.format})",
            f"{self.elapsed:.1f} s: {self.docs_per_second:,.1f} documents/s, {self.sentences_per_second:,.1f} "
            f"sentences/s (model loaded in {self.load_seconds:.1f} s)",
        ]
        if self.ids_from_lines:
            lines.append(f"{self.ids_from_lines:,} records had no id field: their id is line:N, N their line "
                         "number (choose the id field with --id-field)")
        if self.nan_values:
            lines.append(f"{self.nan_values:,} NaN/infinity values (not JSON) were written as null")
        if self.set_aside:
            lines.append(f"resume: {self.set_aside:,} line(s) of the output were not complete predictions: set "
                         "aside in the rejects file and scored again")
        if self.truncated_bytes:
            lines.append(f"resume: cut {self.truncated_bytes:,} bytes of an incomplete last document from {out}")
        if self.interrupted:
            lines.append("interrupted: the output holds every document written so far; run the same command "
                         "with --resume to continue")
        return "\n".join(lines)


class PredictInterrupted(KeyboardInterrupt):
    """Ctrl-C stopped :func:`predict_file`; the files are closed and resumable. ``summary`` says how far it got."""

    def __init__(self, summary: PredictSummary) -> None:
        super().__init__("interrupted")
        self.summary = summary


def predict_file(
    model: str | Path | Extractor,
    input: str | Path,
    *,
    output: str | Path | None = None,
    text_field: str = "text",
    id_field: str = "id",
    device: str = "auto",
    dtype: str = "auto",
    batch_size: int = 32,
    resume: bool = False,
    fmt: str = "jsonl",
    all_sentences: bool = False,
    backend: str = "torch",
    progress: bool = True,
    input_format: str | None = None,
) -> PredictSummary:
    """Score every document of ``input`` and write the predictions to ``output`` (stdout when None).

    ``input`` is a .jsonl/.jsonl.gz, .csv, .parquet file, a folder of .txt files or ``"-"``
    (JSON Lines on stdin); see :mod:`rasd.inference.inputs`. ``fmt`` is ``"jsonl"`` or ``"csv"``
    (see :mod:`rasd.inference.writers`). ``model`` is a model directory or a loaded
    :class:`Extractor` (then ``device``, ``dtype``, ``batch_size`` and ``backend`` are its own).
    ``progress`` shows a tqdm bar on stderr. Raises :class:`PredictInterrupted` on Ctrl-C.
    ``input_format`` (jsonl, csv, parquet, txt) overrides the guess from the name (stdin: jsonl).
    Beside the output, ``OUT.run.json`` records what wrote it (see :func:`run_record`); ``resume``
    refuses an output whose record does not match this run.

    >>> summary = predict_file("runs/compact", "data/samples/news_dump.jsonl", output="out.jsonl")  # doctest: +SKIP
    >>> summary.scored, summary.output                                                               # doctest: +SKIP
    (300, PosixPath('out.jsonl'))
    """
    if fmt not in OUTPUT_FORMATS:
        raise ConfigError(f"--format must be one of {', '.join(OUTPUT_FORMATS)}; got {fmt!r}")
    if batch_size < 1:
        raise ConfigError(f"--batch-size must be at least 1; got {batch_size}")
    out_path = None if output is None or str(output) == "-" else Path(output)
    model_dir = None if isinstance(model, Extractor) else Path(model)
    check_paths(input, out_path, resume, model=model_dir if model_dir is not None else _model_path(model))
    summary = PredictSummary(input=str(input), output=out_path, format=fmt)

    # Nothing is written until the input has given its first record and the model has loaded:
    # a wrong file, a JSON array, a truncated .gz or a broken model leaves every file as it was.
    items = _Primed(read_documents(input, text_field=text_field, id_field=id_field, fmt=input_format))
    started = time.perf_counter()
    try:
        extractor = model if isinstance(model, Extractor) else load_extractor(
            model, device=device, dtype=dtype, batch_size=batch_size, backend=backend)
    except BaseException:
        items.close()
        raise
    summary.load_seconds = time.perf_counter() - started

    record = run_record(extractor, model_dir, backend=backend, id_field=id_field, text_field=text_field, fmt=fmt)
    state = ResumeState()
    try:
        if out_path is not None and resume and out_path.is_file() and out_path.stat().st_size > 0:
            check_run_record(out_path, record)
            state = resume_output(out_path, fmt=fmt)
        if out_path is not None and not state.exists:
            write_run_record(out_path, record)
        writer = make_writer(open_output(out_path, append=state.exists), fmt, csv_columns=state.csv_columns)
    except OSError as e:
        items.close()
        raise os_error(e, out_path) from None
    except BaseException:
        items.close()
        raise
    summary.truncated_bytes = state.truncated_bytes
    rejects = RejectsWriter(rejects_path_for(out_path))
    for line, raw in state.set_aside:
        rejects.write(_SetAside(line, raw))
        summary.set_aside += 1
    run = _Run(extractor, writer, rejects, summary, state.ids, progress=progress)
    try:
        run.go(items, all_sentences=all_sentences)
    except OSError as e:  # disk full, read-only, removed folder: one line, and the output stays resumable
        raise os_error(e, out_path) from None
    finally:
        summary.rejects_path = rejects.path if rejects.count else None
    if not rejects.count:  # the run finished: a rejects file from an earlier run no longer describes this output
        rejects.path.unlink(missing_ok=True)
    if summary.interrupted:
        raise PredictInterrupted(summary)
    return summary


@dataclass(frozen=True)
class _SetAside:
    """A complete line of OUTPUT that is not a valid prediction: cut by --resume, kept in the rejects file."""

    output_line: int
    raw: str

    def to_dict(self) -> dict[str, Any]:
        return {"output_line": self.output_line, "reason": "line of the output that is not a complete prediction: "
                "cut, and its document scored again", "raw": self.raw}


class _Primed:
    """An input stream whose first item is read at once, so that errors opening it come before any
    file is written."""

    def __init__(self, items: Iterator[Reject | DumpDocument]) -> None:
        self._items = items
        self._first: list[Reject | DumpDocument] = []
        try:
            self._first.append(next(items))
        except StopIteration:
            pass
        except BaseException:
            self.close()
            raise

    def __iter__(self) -> Iterator[Reject | DumpDocument]:
        while self._first:
            yield self._first.pop()
        yield from self._items

    def close(self) -> None:
        close = getattr(self._items, "close", None)
        if close is not None:
            close()


def _model_path(extractor: Extractor) -> Path | None:
    name = getattr(extractor, "model_dir", None) or getattr(extractor.config, "_name_or_path", "") or ""
    return Path(name) if name and Path(name).is_dir() else None


def run_record(extractor: Extractor, model_dir: Path | None, *, backend: str, id_field: str, text_field: str,
               fmt: str) -> dict[str, Any]:
    """What --resume must find unchanged: the model's hash, backend, id and text field, format, rasd version."""
    from rasd import __version__

    folder = model_dir if model_dir is not None else _model_path(extractor)
    engine = {"TorchBackend": "torch", "OnnxBackend": "onnx"}.get(type(extractor.backend).__name__, backend)
    return {"model_sha256": model_fingerprint(folder), "backend": engine,
            "id_field": id_field, "text_field": text_field, "format": fmt, "rasd_version": __version__}


def load_extractor(model: str | Path, *, device: str = "auto", dtype: str = "auto", batch_size: int = 32,
                   backend: str = "torch") -> Extractor:
    """The :class:`Extractor` :func:`predict_file` uses: its window of documents scored together (the
    unit of flushing and of a clean Ctrl-C stop) is about 16 batches, at most the engine's default.
    The folder is checked first (files present, weights readable, labels matching the heads)."""
    from rasd.inference.loading import check_model_dir

    check_model_dir(model, backend=backend)
    extractor = Extractor.from_pretrained(model, device=device, dtype=dtype, batch_size=batch_size, backend=backend,
                                     chunk_sentences=chunk_sentences_for(batch_size))
    extractor.model_dir = Path(model)  # what the run record hashes, for --resume
    return extractor


def chunk_sentences_for(batch_size: int) -> int:
    """Sentences per engine window: 16 batches (enough for length sorting to leave little padding),
    between 32 and 2048 (the engine's default).

    >>> chunk_sentences_for(1), chunk_sentences_for(32), chunk_sentences_for(512)
    (32, 512, 2048)
    """
    return min(2048, max(32, 16 * batch_size))


def check_paths(input: str | Path, output: Path | None, resume: bool, *, model: Path | None = None,
                also: tuple[str | Path | None, ...] = ()) -> None:
    """Refuse, before anything is opened, an output that is the input, the model or inside it (see
    :func:`rasd.safe_io.guard_output`), and options that cannot work together."""
    if resume and output is None:
        raise ConfigError("--resume needs -o OUTPUT: there is nothing to resume on stdout")
    if output is None:
        return
    if output.suffix.lower() == ".gz":
        raise ConfigError(f"{output}: compressed output is not supported (it could not be resumed); write plain "
                          "text and compress it afterwards")
    if output.is_dir():
        raise ConfigError(f"{output} is a folder; -o takes a file name")
    guard_output(output, [input, model, *also], what="output")
    for companion in (rejects_path_for(output), run_record_path(output)):
        guard_output(companion, [input, model, *also], what="output's companion file")


class _StopRequested(Exception):
    """Raised from the input side after Ctrl-C, so the engine stops before taking new documents."""


class _Run:
    """The loop of one :func:`predict_file` call: feed, write, count, flush, stop."""

    def __init__(self, extractor: Extractor, writer: PredictionWriter, rejects: RejectsWriter,
                 summary: PredictSummary, done: set[str], *, progress: bool) -> None:
        self.extractor = extractor
        self.writer = writer
        self.rejects = rejects
        self.summary = summary
        self.done = done  # ids in the output before this run; an id leaves it when the input reaches it
        self.seen: set[str] = set()
        self.none_event = extractor.none_event
        self.dirty = False
        self.stop_requested = False
        self.started = 0.0
        self.bar = _progress_bar(progress)

    def go(self, items: Iterator[Reject | DumpDocument], *, all_sentences: bool) -> None:
        self.started = time.perf_counter()
        stream = self.extractor.predict_stream(self._feed(items), all_sentences=all_sentences)
        try:
            with self._sigint():
                try:
                    for doc in stream:
                        self._write(doc)
                except _StopRequested:
                    self.summary.interrupted = True
                except KeyboardInterrupt:  # a second Ctrl-C: stop now, keep what is written
                    self.summary.interrupted = True
                except BrokenPipeError:
                    raise RasdError(f"the output was closed (broken pipe) after {self.summary.scored:,} "
                                    "documents") from None
        finally:
            stream.close()
            close = getattr(items, "close", None)
            if close is not None:
                close()
            self.summary.elapsed = time.perf_counter() - self.started
            self._show_rate()
            self.bar.close()
            try:
                self.writer.close()
            finally:
                self.rejects.close()

    def _feed(self, items: Iterator[Reject | DumpDocument]) -> Iterator[DumpDocument]:
        """The documents to score. The engine pulls from here only between batches, so this is
        where the output is flushed and where a Ctrl-C stops the run."""
        s = self.summary
        for item in items:
            if self.dirty:
                self._flush()
            if self.stop_requested:
                raise _StopRequested
            s.read += 1
            if isinstance(item, Reject):
                self._reject(item)
                continue
            if item.id in self.seen:
                s.duplicates += 1
                self._reject(Reject(item.line, f"duplicate id {item.id!r}: only the first document with an id is "
                                               "scored", {"id": item.id, "text": item.text, **item.meta}))
                continue
            self.seen.add(item.id)
            s.ids_from_lines += item.id_from_line
            s.nan_values += item.nan_values
            if item.id in self.done:
                self.done.discard(item.id)
                s.skipped += 1
                continue
            yield item
        if self.dirty:
            self._flush()

    def _reject(self, reject: Reject) -> None:
        self.rejects.write(reject)
        self.summary.rejected += 1

    def _write(self, doc: DocumentPrediction) -> None:
        self.writer.write(doc)
        self.dirty = True
        s = self.summary
        s.scored += 1
        s.empty += doc.n_sentences == 0
        s.sentences += doc.n_sentences
        for sent in doc.sentences:
            s.event_sentences += any(label != self.none_event for label in sent.event_labels)
            s.slots += len(sent.slots)
        self.bar.update(1)

    def _flush(self) -> None:
        self.writer.flush()
        self.rejects.flush()
        self.dirty = False
        self._show_rate()

    def _show_rate(self) -> None:
        elapsed = time.perf_counter() - self.started
        if elapsed > 0 and not self.stop_requested:
            self.bar.set_postfix_str(f"{self.summary.sentences / elapsed:,.0f} sentences/s", refresh=False)

    @contextlib.contextmanager
    def _sigint(self) -> Iterator[None]:
        """First Ctrl-C: finish the batch in flight and stop; second: stop now (KeyboardInterrupt).
        Only in the main thread, and only where SIGINT has its default Python handler."""
        if (threading.current_thread() is not threading.main_thread()
                or signal.getsignal(signal.SIGINT) is not signal.default_int_handler):
            yield
            return

        def handler(signum: int, frame: Any) -> None:
            if self.stop_requested:
                raise KeyboardInterrupt
            self.stop_requested = True
            # refresh=False: no lock taken inside a signal handler; the next update shows it
            self.bar.set_postfix_str("stopping after this batch (Ctrl-C again to stop now)", refresh=False)

        previous = signal.signal(signal.SIGINT, handler)
        try:
            yield
        finally:
            signal.signal(signal.SIGINT, previous)


def _progress_bar(enabled: bool) -> Any:
    from tqdm import tqdm

    return tqdm(desc="rasd predict", unit=" docs", file=sys.stderr, disable=not enabled, dynamic_ncols=True,
                mininterval=0.5 if sys.stderr.isatty() else 10.0)
