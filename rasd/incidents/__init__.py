"""Incident records: sentence predictions -> one ACLED-style row per incident, deduplicated across reports.

Entry points: :func:`build_incidents` (a predictions file to a table, what ``rasd incidents``
calls) and :func:`incidents_from_documents` (in memory, for ``rasd predict --incidents``).
The normalizers (:func:`resolve_time`, :func:`parse_casualties`, :class:`Gazetteer`) are
usable on their own.
"""

from __future__ import annotations

from rasd.incidents.casualties import Casualties, Count, parse_casualties
from rasd.incidents.clusters import assign_clusters, deduplicate
from rasd.incidents.dates import TimeValue, resolve_time
from rasd.incidents.evaluate import IncidentScores, evaluate_incidents, read_gold
from rasd.incidents.gazetteer import Gazetteer, Place
from rasd.incidents.merge import document_incidents
from rasd.incidents.oracle import oracle_documents
from rasd.incidents.pipeline import (
    IncidentsResult,
    build_incidents,
    incidents_from_documents,
    read_predictions,
)
from rasd.incidents.records import Evidence, Incident
from rasd.incidents.table import COLUMNS, read_incidents, write_incidents

__all__ = [
    "COLUMNS", "Casualties", "Count", "Evidence", "Gazetteer", "Incident", "IncidentScores", "IncidentsResult",
    "Place", "TimeValue", "assign_clusters", "build_incidents", "deduplicate", "document_incidents",
    "evaluate_incidents", "incidents_from_documents", "oracle_documents", "parse_casualties", "read_gold",
    "read_incidents", "read_predictions", "resolve_time", "write_incidents",
]
