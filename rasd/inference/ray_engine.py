"""Distributed batch scoring on Ray Data: the engine behind ``rasd predict --engine ray``.

The scoring code is the single-process code. Ray Data reads the dump in read tasks (one per
file), a pool of ``num_workers`` actors each loads one :class:`~rasd.inference.extractor.Extractor`
(once, in ``__init__``) and scores the blocks ``map_batches`` hands it, and the driver streams
the results back into the writers of :mod:`rasd.inference.writers`. Ray does the scheduling,
backpressure and retries; nothing here starts processes itself. The output holds the records
:func:`~rasd.inference.run.predict_file` writes, in input order by default, and bad input rows
go to ``OUTPUT.rejects.jsonl`` exactly as there.

The input is read by two small Ray datasources rather than ``ray.data.read_json``: that reader
infers types with pandas/Arrow, so one malformed line fails the whole file and pass-through
fields change (the id ``"007"`` becomes ``7``). Here each file is read as a stream of lines (or
Parquet row batches) and every record goes through :func:`rasd.inference.inputs.make_document`,
the single-process rules: line numbers, ids, rejects, and duplicate ids (the first one wins).

The model directory only has to exist where the driver runs: its files go into Ray's object
store once and each actor loads them from a temporary directory on its own node.
"""

from __future__ import annotations

import io
import json
import tempfile
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rasd.errors import ConfigError, DataError, MissingExtraError, RasdError

try:
    import pyarrow as pa
    import pyarrow.fs as pafs
    import pyarrow.parquet as pq
    import ray
    import ray.data
    from ray.data.datasource import FileBasedDatasource
except ImportError as e:  # exercised by the missing-extra test with ray hidden
    raise MissingExtraError("ray", "ray", "--engine ray") from e

from rasd.data.formats.jsonl import iter_json_lines
from rasd.inference.extractor import Extractor, InputDocument
from rasd.inference.inputs import DumpDocument, Reject, make_document
from rasd.inference.outputs import DocumentPrediction
from rasd.inference.run import PredictInterrupted, PredictSummary, check_paths
from rasd.inference.writers import (
    OUTPUT_FORMATS,
    JsonlWriter,
    RejectsWriter,
    ResumeState,
    json_default,
    make_writer,
    open_output,
    rejects_path_for,
    resume_output,
)

COMPRESSIONS = ("", ".gz", ".bz2", ".zst", ".lz4", ".br")  # decompressed by Ray (pyarrow) from the suffix
JSONL_SUFFIXES = tuple(base + c for base in (".jsonl", ".ndjson", ".json") for c in COMPRESSIONS)
PARQUET_SUFFIXES = (".parquet", ".pq")
RAY_INPUT_FORMATS = ("jsonl", "parquet")

# Rows between the stages, as plain Arrow columns: nested, varying meta would trip Arrow's type
# unification, so a document's id and meta (``doc``), rejects and predictions travel as JSON text.
DOC, REJECT, SKIP = "doc", "reject", "skip"
# ``path`` is set only when the input has several files (line numbers alone would be ambiguous).
ITEM_SCHEMA = pa.schema([("kind", pa.string()), ("id", pa.string()), ("path", pa.string()), ("line", pa.int64()),
                         ("text", pa.large_string()), ("doc", pa.large_string()), ("id_from_line", pa.bool_()),
                         ("payload", pa.large_string())])
RESULT_SCHEMA = pa.schema([("kind", pa.string()), ("id", pa.string()), ("path", pa.string()), ("line", pa.int64()),
                           ("payload", pa.large_string()), ("id_from_line", pa.bool_()), ("n_sentences", pa.int64()),
                           ("event_sentences", pa.int64()), ("slots", pa.int64())])


@dataclass
class RayPredictSummary(PredictSummary):
    """:class:`~rasd.inference.run.PredictSummary` plus where it ran. ``load_seconds`` is the time to the
    first scored batch (workers started, model loaded on each); ``elapsed`` the whole run."""

    workers: int = 0
    gpus_per_worker: float = 0.0
    ray_address: str = "local"

    def render(self) -> str:
        """The lines of :meth:`PredictSummary.render`, with the timing line saying where it ran."""
        lines = super().render().splitlines()
        gpus = f"{self.gpus_per_worker:g} GPU each" if self.gpus_per_worker else "CPU only"
        lines[2] = (f"{self.elapsed:.1f} s on Ray ({self.ray_address}; {self.workers} worker(s), {gpus}): "
                    f"{self.docs_per_second:,.1f} documents/s, {self.sentences_per_second:,.1f} sentences/s "
                    f"(first results after {self.load_seconds:.1f} s: workers started, model loaded)")
        return "\n".join(lines)


# --- entry point ---------------------------------------------------------------------------------

def predict_with_ray(
    model: str | Path,
    input: str | Path,
    *,
    ray_address: str | None = None,
    num_workers: int = 2,
    gpus_per_worker: float = 0.0,
    cpus_per_worker: float = 1.0,
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
    input_format: str | None = None,
    docs_per_task: int = 64,
    keep_order: bool = True,
) -> RayPredictSummary:
    """Score a JSON Lines or Parquet dump on Ray; the output is what :func:`~rasd.inference.run.predict_file` writes.

    Uses the Ray this process already initialized (``ray.init``), else connects to ``ray_address``
    (``"auto"``, ``"HEAD_IP:6379"``), else starts a local Ray and shuts it down at the end.
    ``num_workers`` actors each hold one copy of the model, with ``cpus_per_worker`` CPUs and
    ``gpus_per_worker`` GPUs each (1: one actor per GPU; 0.5: two share one). ``input`` is a
    file, a folder of files or a URI that Ray's filesystems read (``s3://bucket/dump/``); on a
    cluster of several machines every node must be able to read it. ``docs_per_task`` documents
    go to an actor at a time; ``keep_order=False`` writes them as they finish (no waiting on a
    slow block, but the order changes from run to run).

    >>> summary = predict_with_ray("runs/compact", "data/samples/news_dump.jsonl",  # doctest: +SKIP
    ...                            output="predictions.jsonl", num_workers=2)
    >>> summary.scored, summary.rejected  # doctest: +SKIP
    (300, 0)
    """
    started = time.perf_counter()
    _check_options(num_workers=num_workers, gpus_per_worker=gpus_per_worker, cpus_per_worker=cpus_per_worker,
                   device=device, fmt=fmt, batch_size=batch_size, docs_per_task=docs_per_task)
    out_path = None if output is None or str(output) == "-" else Path(output)
    check_paths(input, out_path, resume)
    kind = input_format or sniff_input_format(input)
    if kind not in RAY_INPUT_FORMATS:
        raise ConfigError(f"--engine ray reads {' or '.join(RAY_INPUT_FORMATS)}; got input format {kind!r}")
    model_files = pack_model(model)
    state = resume_output(out_path, fmt=fmt) if resume and out_path is not None else ResumeState()
    summary = RayPredictSummary(input=str(input), output=out_path, format=fmt, truncated_bytes=state.truncated_bytes,
                                workers=num_workers, gpus_per_worker=gpus_per_worker,
                                ray_address=ray_address or ("joined" if ray.is_initialized() else "local"))

    own_ray = not ray.is_initialized()
    if own_ray:  # a local Ray of our own needs no dashboard; a cluster keeps its settings
        ray.init(address=ray_address, logging_level="WARNING",
                 **({"include_dashboard": False} if ray_address is None else {}))
    try:
        source = make_source(str(input), kind, text_field=text_field, id_field=id_field, done=frozenset(state.ids),
                             docs_per_block=docs_per_task)
        scorer = dict(model_files=[ray.put(model_files)], device=_actor_device(device, gpus_per_worker), dtype=dtype,
                      batch_size=batch_size, backend=backend, all_sentences=all_sentences)
        dataset = score_dataset(source, scorer, num_workers=num_workers, gpus_per_worker=gpus_per_worker,
                                cpus_per_worker=cpus_per_worker, docs_per_task=docs_per_task)
        dataset.context.execution_options.preserve_order = keep_order
        _write(dataset.iter_batches(batch_format="pyarrow", batch_size=None), summary, state, started)
    except ray.exceptions.RayError as e:
        user = _user_error(e)
        if user is None:
            raise
        raise user from None
    finally:
        summary.elapsed = time.perf_counter() - started
        if own_ray:
            ray.shutdown()
    if summary.interrupted:
        raise PredictInterrupted(summary)
    return summary


def _check_options(*, num_workers: int, gpus_per_worker: float, cpus_per_worker: float, device: str, fmt: str,
                   batch_size: int, docs_per_task: int) -> None:
    if num_workers < 1:
        raise ConfigError(f"--num-workers must be at least 1; got {num_workers}")
    if gpus_per_worker < 0 or cpus_per_worker < 0:
        raise ConfigError(f"--gpus-per-worker and cpus_per_worker cannot be negative; got {gpus_per_worker}, "
                          f"{cpus_per_worker}")
    if gpus_per_worker > 0 and device not in ("auto", "cuda"):
        raise ConfigError(f"--gpus-per-worker {gpus_per_worker:g} with --device {device}: each worker uses the GPU "
                          "Ray gives it, so use --device auto (or --gpus-per-worker 0 for CPU workers)")
    if fmt not in OUTPUT_FORMATS:
        raise ConfigError(f"--format must be one of {', '.join(OUTPUT_FORMATS)}; got {fmt!r}")
    if batch_size < 1 or docs_per_task < 1:
        raise ConfigError(f"--batch-size and docs_per_task must be at least 1; got {batch_size}, {docs_per_task}")


def _actor_device(device: str, gpus_per_worker: float) -> str:
    """A CPU actor must not take a GPU Ray did not give it (``auto`` would pick cuda:0 on a GPU node)."""
    if gpus_per_worker > 0:
        return "cuda"
    return "cpu" if device == "auto" else device


def make_source(input: str, kind: str, **options: Any) -> FileBasedDatasource:
    """The datasource for ``input``; in a folder, only the files of that kind are read (Ray itself
    skips names starting with ``.`` or ``_``, such as ``_SUCCESS``)."""
    folder = _kind_of(input) is None and not Path(input.removeprefix("local://")).is_file()
    source_cls, suffixes = (ParquetSource, PARQUET_SUFFIXES) if kind == "parquet" else (JsonLinesSource, JSONL_SUFFIXES)
    return source_cls(input, file_extensions=[s.lstrip(".") for s in suffixes] if folder else None, **options)


def score_dataset(source: FileBasedDatasource, scorer: dict[str, Any], *, num_workers: int, gpus_per_worker: float,
                  cpus_per_worker: float, docs_per_task: int) -> ray.data.Dataset:
    """The Ray Data pipeline: read (no CPU reserved, so busy actors cannot starve it) -> actor pool."""
    return ray.data.read_datasource(source, num_cpus=0).map_batches(
        BatchScorer,
        batch_format="pyarrow",
        batch_size=docs_per_task,
        compute=ray.data.ActorPoolStrategy(size=num_workers),
        num_cpus=cpus_per_worker,
        num_gpus=gpus_per_worker,
        fn_constructor_kwargs=scorer,
    )


def _user_error(error: BaseException) -> RasdError | None:
    """The rasd error (a bad input file, say) a Ray task or actor failed with, unwrapped from Ray's exceptions."""
    seen: set[int] = set()
    todo: list[BaseException | None] = [error]
    while todo:
        e = todo.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        if isinstance(e, RasdError) and not isinstance(e, ray.exceptions.RayError):
            return e
        todo += [e.__context__, e.__cause__, getattr(e, "cause", None)]
    return None


def pack_model(path: str | Path) -> dict[str, bytes]:
    """The files of a saved model folder (top level only: no Trainer checkpoints), to ship to the actors."""
    from rasd.inference.loading import load_config

    path = Path(path)
    load_config(path)  # a clear error now rather than in every actor
    return {p.name: p.read_bytes() for p in sorted(path.iterdir()) if p.is_file()}


# --- reading -------------------------------------------------------------------------------------

def sniff_input_format(path: str | Path) -> str:
    """``jsonl`` or ``parquet`` from the name of the file, or of the files in a folder (local or a URI).

    >>> sniff_input_format("s3://bucket/dump.jsonl.gz"), sniff_input_format("part-0.parquet")
    ('jsonl', 'parquet')
    """
    name = str(path)
    kind = _kind_of(name)
    if kind is not None:
        return kind
    engine_local = ConfigError(f"{path}: --engine ray reads JSON Lines (.jsonl, .jsonl.gz) or Parquet files; for "
                               "CSV, a folder of .txt files or stdin use --engine local")
    if name == "-":
        raise engine_local
    try:
        if "://" in name and not name.startswith("local://"):
            fs, where = pafs.FileSystem.from_uri(name)
        else:
            fs, where = pafs.LocalFileSystem(), str(Path(name.removeprefix("local://")).resolve())
        info = fs.get_file_info(where)
        if info.type == pafs.FileType.NotFound:
            raise DataError("file not found", path=path)
        if info.type != pafs.FileType.Directory:
            raise engine_local
        files = [f.base_name for f in fs.get_file_info(pafs.FileSelector(where, recursive=True))
                 if f.is_file and not f.base_name.startswith((".", "_"))]
    except (OSError, pa.ArrowException) as e:
        raise DataError(f"cannot list the input: {e}", path=path) from None
    kinds = {_kind_of(f) for f in files} - {None}
    if len(kinds) != 1:
        found = "no" if not kinds else "both"
        raise DataError(f"{found} .jsonl and .parquet files in this folder: --engine ray reads a folder of one kind",
                        path=path)
    return kinds.pop()  # type: ignore[return-value]


def _kind_of(name: str) -> str | None:
    name = name.lower()
    if name.endswith(PARQUET_SUFFIXES):
        return "parquet"
    return "jsonl" if name.endswith(JSONL_SUFFIXES) else None


class _DumpSource(FileBasedDatasource):
    """Documents of a dump, one read task per file, with the single-process rules applied in order.

    Duplicate ids are caught within a file (in a folder of files, the driver catches the rest);
    ids already in the output (``done``, for resume) become ``skip`` rows and are not scored.
    In a folder of several files, a record without an id gets ``FILE:LINE``, not the bare line.
    """

    def __init__(self, paths: str, *, text_field: str, id_field: str, done: frozenset[str], docs_per_block: int,
                 **kwargs: Any) -> None:
        super().__init__(paths, **kwargs)
        self.text_field, self.id_field = text_field, id_field
        self.done = done
        self.docs_per_block = docs_per_block
        self.several_files = len(self._paths()) > 1

    def _records(self, f: Any, path: str) -> Iterator[tuple[int, Any, Any]]:
        """``(line, record, raw)``, or ``(line, Reject, None)`` for input that is not a record."""
        raise NotImplementedError

    def _read_stream(self, f: Any, path: str) -> Iterator[pa.Table]:
        seen: set[str] = set()
        rows: list[dict[str, Any]] = []
        for line, record, raw in self._records(f, path):
            item = record if isinstance(record, Reject) else make_document(
                record, line, text_field=self.text_field, id_field=self.id_field, raw=raw)
            rows.append(self._row(item, path, seen))
            if len(rows) >= self.docs_per_block:
                yield pa.Table.from_pylist(rows, schema=ITEM_SCHEMA)
                rows = []
        if rows:
            yield pa.Table.from_pylist(rows, schema=ITEM_SCHEMA)

    def _row(self, item: DumpDocument | Reject, path: str, seen: set[str]) -> dict[str, Any]:
        where = path if self.several_files else None
        if isinstance(item, Reject):
            return {"kind": REJECT, "path": where, "line": item.line, "payload": _reject_json(item, where)}
        if item.id_from_line and self.several_files:
            item.id = f"{Path(path).name}:{item.line}"
        row = {"id": _utf8(item.id), "path": where, "line": item.line, "id_from_line": item.id_from_line}
        if item.id in seen:  # the reason and raw are those of rasd.inference.run
            reject = Reject(item.line, f"duplicate id {item.id!r}: only the first document with an id is scored",
                            {"id": item.id, "text": item.text, **item.meta})
            return {**row, "kind": REJECT, "payload": _reject_json(reject, where)}
        seen.add(item.id)
        if item.id in self.done:
            return {**row, "kind": SKIP}
        return {**row, "kind": DOC, "text": item.text,
                "doc": _utf8(json.dumps({"id": item.id, "meta": item.meta}, ensure_ascii=False, default=json_default))}


class JsonLinesSource(_DumpSource):
    """JSON Lines files (``.gz`` and other compressions by suffix), read as a stream of lines."""

    def _records(self, f: Any, path: str) -> Iterator[tuple[int, Any, Any]]:
        for jl in iter_json_lines(_byte_lines(f)):
            array = jl.line == 1 and (isinstance(jl.value, list) or (jl.raw or "").strip() == "[")
            if array:
                raise DataError("this is a JSON array; rasd predict reads JSON Lines, one object per line "
                                "(convert with: jq -c '.[]' FILE > FILE.jsonl)", path=path)
            if jl.error is not None:
                yield jl.line, Reject(jl.line, jl.error, jl.raw), None
            elif isinstance(jl.value, dict):
                yield jl.line, jl.value, jl.raw
            else:
                yield jl.line, Reject(jl.line, f"expected a JSON object, got a {type(jl.value).__name__}", jl.raw), None


class ParquetSource(_DumpSource):
    """Parquet files, row batch by row batch; a row's "line" is its 1-based row number."""

    def _open_input_source(self, filesystem: Any, path: str, **open_args: Any) -> Any:
        return filesystem.open_input_file(path)  # Parquet needs random access, not a stream

    def _records(self, f: Any, path: str) -> Iterator[tuple[int, Any, Any]]:
        pf = pq.ParquetFile(f)
        if self.text_field not in pf.schema_arrow.names:
            raise DataError(f"the Parquet schema has no column {self.text_field!r} (columns: "
                            f"{', '.join(pf.schema_arrow.names)}); choose the text column with --text-field", path=path)
        line = 0
        for batch in pf.iter_batches(batch_size=1024):
            for row in batch.to_pylist():
                line += 1
                yield line, row, row


def _byte_lines(f: Any, chunk_size: int = 1 << 20) -> Iterator[bytes]:
    """The lines of a binary stream, newline kept (Arrow's input streams have no ``readline``)."""
    rest = b""
    while chunk := f.read(chunk_size):
        parts = (rest + chunk).split(b"\n")
        rest = parts.pop()
        for part in parts:
            yield part + b"\n"
    if rest:
        yield rest


def _reject_json(reject: Reject, path: str | None) -> str:
    body = reject.to_dict() if path is None else {"path": path, **reject.to_dict()}
    return _utf8(json.dumps(body, ensure_ascii=False, default=json_default))


def _utf8(text: str) -> str:
    """Text Arrow can carry: a lone surrogate (in an id or meta value) becomes its ``\\udXXX`` escape,
    which is what :func:`~rasd.inference.writers.open_output` writes for it in one process too."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


# --- the actor -----------------------------------------------------------------------------------

class BatchScorer:
    """A Ray Data actor: loads the model once, then scores every batch of documents it is handed.

    Returns one row per input row: a ``doc`` row comes back with its output line in ``payload``
    (written by :class:`~rasd.inference.writers.JsonlWriter`, so it is byte for byte the
    single-process record) and its counts; ``reject`` and ``skip`` rows pass through.
    """

    def __init__(self, model_files: list[Any], *, device: str, dtype: str, batch_size: int, backend: str,
                 all_sentences: bool) -> None:
        files = ray.get(model_files[0])  # in a list, so Ray hands over the reference rather than resolving it
        with tempfile.TemporaryDirectory(prefix="rasd-model-") as tmp:
            for name, data in files.items():
                Path(tmp, name).write_bytes(data)
            self.extractor = Extractor.from_pretrained(tmp, device=device, dtype=dtype, batch_size=batch_size,
                                                       backend=backend)
        self.all_sentences = all_sentences
        self._buffer = io.StringIO()
        self._jsonl = JsonlWriter(self._buffer)

    def __call__(self, batch: pa.Table) -> pa.Table:
        rows = batch.to_pylist()
        docs = [InputDocument(text=r["text"], **json.loads(r["doc"])) for r in rows if r["kind"] == DOC]
        predictions = iter(self.extractor.predict(docs, all_sentences=self.all_sentences))
        out = [self._result(next(predictions), r) if r["kind"] == DOC else r for r in rows]
        return pa.Table.from_pylist([{name: r.get(name) for name in RESULT_SCHEMA.names} for r in out],
                                    schema=RESULT_SCHEMA)

    def _result(self, pred: DocumentPrediction, row: dict[str, Any]) -> dict[str, Any]:
        self._buffer.seek(0)
        self._buffer.truncate()
        self._jsonl.write(pred)
        none = self.extractor.none_event
        return {**row, "kind": DOC, "payload": _utf8(self._buffer.getvalue()),
                "n_sentences": pred.n_sentences, "slots": sum(len(s.slots) for s in pred.sentences),
                "event_sentences": sum(any(lab != none for lab in s.event_labels) for s in pred.sentences)}


# --- writing -------------------------------------------------------------------------------------

class _RejectLine:
    def __init__(self, body: dict[str, Any]) -> None:
        self.body = body

    def to_dict(self) -> dict[str, Any]:
        return self.body


def _write(batches: Iterable[pa.Table], summary: RayPredictSummary, state: ResumeState, started: float) -> None:
    """Stream the scored rows into the output and rejects files, counting as :func:`predict_file` does."""
    stream = open_output(summary.output, append=state.exists)
    writer = make_writer(stream, summary.format, csv_columns=state.csv_columns)
    rejects = RejectsWriter(rejects_path_for(summary.output))
    rejects.path.unlink(missing_ok=True)  # a stale file from an earlier run would mix with this one's
    seen: set[str] = set()  # across files: each read task only sees its own
    s = summary
    try:
        for batch in batches:
            if not s.load_seconds:
                s.load_seconds = time.perf_counter() - started
            for row in batch.to_pylist():
                s.read += 1
                if row["kind"] == REJECT:
                    rejects.write(_RejectLine(json.loads(row["payload"])))
                    s.rejected += 1
                    s.duplicates += row["id"] is not None  # only duplicate rejects carry the id
                    continue
                if row["id"] in seen:
                    _duplicate_across_files(row, rejects, s)
                    continue
                seen.add(row["id"])
                s.ids_from_lines += bool(row["id_from_line"])
                if row["kind"] == SKIP:
                    s.skipped += 1
                    continue
                if s.format == "jsonl":
                    stream.write(row["payload"])  # already the JsonlWriter line
                else:
                    writer.write(DocumentPrediction.from_dict(json.loads(row["payload"])))
                s.scored += 1
                s.empty += row["n_sentences"] == 0
                s.sentences += row["n_sentences"]
                s.event_sentences += row["event_sentences"]
                s.slots += row["slots"]
            writer.flush()
            rejects.flush()
    except KeyboardInterrupt:
        s.interrupted = True
    finally:
        try:
            writer.close()
        finally:
            rejects.close()
            s.rejects_path = rejects.path if rejects.count else None


def _duplicate_across_files(row: dict[str, Any], rejects: RejectsWriter, s: RayPredictSummary) -> None:
    """An id an earlier file of the folder already had: the first wins, as in one process. The text is
    not at hand here, so the reject's ``raw`` holds the id and meta only (and the row was scored)."""
    meta = json.loads(row["payload"]).get("meta", {}) if row["payload"] else {}
    reject = Reject(row["line"], f"duplicate id {row['id']!r}: only the first document with an id is scored",
                    {"id": row["id"], **meta})
    rejects.write(_RejectLine(json.loads(_reject_json(reject, row["path"]))))
    s.rejected += 1
    s.duplicates += 1
