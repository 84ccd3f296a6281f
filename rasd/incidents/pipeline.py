"""From a predictions file to the incident table: the function behind ``rasd incidents``.

It streams ``DocumentPrediction`` records (one JSON object per line, as ``rasd predict``
writes them), builds the incidents of each report, links the same incident across reports
(``cluster_id``), optionally keeps one row per cluster, writes the table and, given a gold
file, scores the document-level incidents. It returns what it did and never prints.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rasd.data.formats.jsonl import iter_json_lines, open_text
from rasd.data.schema import LabelSchema
from rasd.errors import DataError
from rasd.incidents.clusters import assign_clusters, deduplicate
from rasd.incidents.evaluate import IncidentScores, evaluate_file
from rasd.incidents.gazetteer import Gazetteer
from rasd.incidents.merge import document_incidents
from rasd.incidents.records import Incident
from rasd.incidents.table import infer_format, write_incidents
from rasd.inference.outputs import DocumentPrediction


@dataclass
class IncidentsResult:
    """What :func:`build_incidents` produced.

    ``incidents`` are the document-level incidents (with ``cluster_id``); ``rows`` what was
    written: the same list, or one merged row per cluster with ``dedup=True``.
    """

    incidents: list[Incident]
    rows: list[Incident]
    n_documents: int
    n_clusters: int
    output: Path | None = None
    format: str = "csv"
    scores: IncidentScores | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"documents": self.n_documents, "incidents": len(self.incidents),
                               "clusters": self.n_clusters, "rows": len(self.rows),
                               "output": str(self.output) if self.output else None, "format": self.format}
        if self.scores is not None:
            out |= self.scores.to_dict()
        return out


def read_predictions(path: str | Path) -> Iterator[DocumentPrediction]:
    """Stream documents from a predictions JSON Lines file; a bad line raises naming file and line."""
    with open_text(path) as f:
        for jl in iter_json_lines(f):
            if jl.error:
                raise DataError(jl.error, path=path, line=jl.line)
            obj = jl.value
            if not isinstance(obj, dict) or "id" not in obj:
                raise DataError("expected a document prediction object with an 'id'", path=path, line=jl.line)
            try:
                yield DocumentPrediction.from_dict(obj)
            except (TypeError, KeyError, ValueError) as e:
                raise DataError(f"not a document prediction: {e}", path=path, line=jl.line) from None


def incidents_from_documents(documents: Iterable[DocumentPrediction], *, schema: LabelSchema | None = None,
                             gazetteer: Gazetteer | None = None, link: bool = True) -> list[Incident]:
    """Document-level incidents of every report, linked across reports when ``link``.

    The in-memory twin of :func:`build_incidents`, for ``rasd predict --incidents`` and the API.
    """
    schema = schema or LabelSchema.default()
    gazetteer = gazetteer if gazetteer is not None else Gazetteer.load()
    out = [inc for doc in documents for inc in document_incidents(doc, gazetteer=gazetteer, schema=schema)]
    return assign_clusters(out) if link else out


def build_incidents(predictions: str | Path, *, output: str | Path | None = None, fmt: str | None = None,
                    dedup: bool = False, schema: LabelSchema | str | Path | None = None,
                    gazetteer: Gazetteer | str | Path | None = None,
                    gold: str | Path | None = None) -> IncidentsResult:
    """Predictions file -> incident table (CSV or JSON Lines), optionally scored against gold.

    ``fmt`` defaults to the output's suffix (``.jsonl`` -> jsonl, else csv). ``schema`` is a
    :class:`LabelSchema`, a YAML path or None for the shipped one (it maps labels to ACLED
    sub-events and names the none label). ``gazetteer`` is a places CSV or None for the
    shipped one. Evaluation always scores the document-level incidents, also with ``dedup``, over
    the reports in ``predictions`` (gold rows of other reports are ignored).
    """
    fmt = infer_format(output, fmt)
    schema = schema if isinstance(schema, LabelSchema) else LabelSchema.load(schema)
    gaz = gazetteer if isinstance(gazetteer, Gazetteer) else Gazetteer.load(gazetteer)
    docs = list(read_predictions(predictions))
    incidents = incidents_from_documents(docs, schema=schema, gazetteer=gaz)
    rows = deduplicate(incidents) if dedup else incidents
    out_path = Path(output) if output is not None else None
    if out_path is not None:
        write_incidents(rows, out_path, fmt=fmt)
    scores = evaluate_file(incidents, gold, gazetteer=gaz, documents=[d.id for d in docs]) \
        if gold is not None else None
    return IncidentsResult(incidents=incidents, rows=rows, n_documents=len(docs),
                           n_clusters=len({i.cluster_id for i in incidents}), output=out_path, format=fmt,
                           scores=scores)
