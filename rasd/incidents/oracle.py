"""Gold sentence records as predictions: the incident pipeline run without a model.

Feeding the annotated corpus through :func:`rasd.incidents.build_incidents` as if a model
had predicted it exactly ("oracle predictions") measures the merge and normalization
logic on its own, separate from model errors. The document text is rebuilt by joining the
sentences with a space, so offsets are consistent within the generated predictions.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from rasd.data.records import Record
from rasd.inference.outputs import DocumentPrediction, SentencePrediction, SlotPrediction


def oracle_documents(records: Iterable[Record]) -> Iterator[DocumentPrediction]:
    """Group consecutive sentence records by ``doc_id`` into gold-as-predicted documents.

    >>> from rasd.data.records import Span
    >>> recs = [Record("d-s1", "قصف على حمص.", doc_id="d", event_type="shelling_missile_attack",
    ...                spans=[Span(8, 11, "LOCATION")], meta={"published": "2022-01-02"}),
    ...         Record("d-s2", "أمس.", doc_id="d", event_type="none")]
    >>> doc = next(oracle_documents(recs))
    >>> [(s.start, s.event_type, [x.text for x in s.slots]) for s in doc.sentences]
    [(0, 'shelling_missile_attack', ['حمص']), (13, 'none', [])]
    """
    current: DocumentPrediction | None = None
    offset = 0
    for r in records:
        if current is None or current.id != r.document:
            if current is not None:
                yield current
            current, offset = DocumentPrediction(id=r.document, meta=dict(r.meta)), 0
        labels = r.event_labels
        slots = [SlotPrediction(s.label, r.text[s.start:s.end], offset + s.start, offset + s.end, 1.0)
                 for s in sorted(r.spans)]
        current.sentences.append(SentencePrediction(
            start=offset, end=offset + len(r.text), text=r.text,
            event_type=labels[0] if labels else None, event_score=1.0, event_labels=labels, slots=slots))
        current.n_sentences += 1
        offset += len(r.text) + 1
    if current is not None:
        yield current
