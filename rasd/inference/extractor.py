"""`Extractor`: the Python API for scoring documents, and the engine behind `rasd predict`.

Documents are split into sentences; sentences from a bounded window of documents are
tokenized in a background thread (overlapping model compute), cut into windows, sorted by
length into batches, run once through the encoder (both heads), decoded, and reassembled
in input order with offsets into each original document.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from rasd.data.schema import LabelSchema
from rasd.inference.backends import Backend, TorchBackend, resolve_device, resolve_dtype
from rasd.inference.batching import pad, plan_batches
from rasd.inference.outputs import DocumentPrediction, SentencePrediction, SlotPrediction
from rasd.models.alignment import EncodedSentence, SpecialTokens, encode_sentences
from rasd.models.decoding import event_decision, event_probabilities, tags_to_spans, word_predictions
from rasd.text.normalize import build_normalizer
from rasd.text.sentences import split_sentences


@dataclass
class InputDocument:
    id: str
    text: str
    meta: dict[str, Any]


@dataclass
class _Prepared:
    docs: list[InputDocument]
    sentence_spans: list[list[tuple[int, int]]]
    encoded: list[EncodedSentence]  # flat over the chunk's sentences
    batches: list[tuple[list[tuple[int, int]], np.ndarray, np.ndarray]]  # (sentence, window) keys, ids, mask


class Extractor:
    """Scores Arabic documents with a trained rasd model.

    >>> ex = Extractor.from_pretrained("runs/compact")                      # doctest: +SKIP
    >>> [s.event_type for s in ex.predict(["قصفت طائرة مسيرة موقعاً قرب الميادين."])[0].sentences]  # doctest: +SKIP
    ['air_drone_strike']
    """

    def __init__(self, backend: Backend, tokenizer, config, *, batch_size: int = 32, max_tokens: int | None = 16384,
                 chunk_sentences: int = 2048) -> None:
        self.backend = backend
        self.tokenizer = tokenizer
        self.config = config
        self.batch_size = batch_size
        self.max_tokens = max_tokens
        self.chunk_sentences = chunk_sentences
        self.normalizer = build_normalizer(config.preprocessing or {"kind": "basic"})
        self.special = SpecialTokens.of(tokenizer)
        self.pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
        schema = config.label_schema or {}
        self.none_event = schema.get("none_event") if isinstance(schema, dict) else None
        self.schema = LabelSchema.from_dict(schema, source="config.json") if schema else None

    @classmethod
    def from_pretrained(cls, path: str | Path, *, device: str = "auto", dtype: str = "auto", batch_size: int = 32,
                        backend: str = "torch", **kwargs: Any) -> Extractor:
        """Load a saved rasd model directory (or, with ``backend="onnx"``, an exported ONNX directory)."""
        from transformers import AutoTokenizer

        from rasd.inference.loading import load_config, load_torch_model

        path = Path(path)
        config = load_config(path)
        from rasd.models.preprocessing import saved_preprocessing  # an AraBERT named by a path elsewhere

        config.preprocessing = saved_preprocessing(config.preprocessing, path)
        tokenizer = AutoTokenizer.from_pretrained(path)
        if backend == "onnx":
            from rasd.inference.onnx_backend import OnnxBackend

            engine: Backend = OnnxBackend.load(path)
        elif backend == "torch":
            dev = resolve_device(device)
            engine = TorchBackend(load_torch_model(path), dev, resolve_dtype(dtype, dev))
        else:
            from rasd.errors import ConfigError

            raise ConfigError(f"backend must be torch or onnx; got {backend!r}")
        return cls(engine, tokenizer, config, batch_size=batch_size, **kwargs)

    # -- public API -----------------------------------------------------------------------------

    def predict(self, texts: str | Iterable[str | InputDocument | dict], *, all_sentences: bool = False) -> list[DocumentPrediction]:
        """Always a list, one prediction per input document, in input order."""
        if isinstance(texts, str):
            texts = [texts]
        return list(self.predict_stream(texts, all_sentences=all_sentences))

    def predict_stream(self, items: Iterable[str | InputDocument | dict], *, all_sentences: bool = False) -> Iterator[DocumentPrediction]:
        """Yield predictions as they are ready, while the next chunk is tokenized in the background."""
        chunks = self._chunks(self._documents(items))
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="rasd-tokenize") as pool:
            first = next(chunks, None)
            future = pool.submit(self._prepare, first) if first else None
            while future is not None:
                prepared = future.result()
                nxt = next(chunks, None)
                future = pool.submit(self._prepare, nxt) if nxt else None
                yield from self._score(prepared, all_sentences=all_sentences)

    def predict_sentences(self, sentences: Sequence[str]) -> list[SentencePrediction]:
        """Score each text as ONE sentence (no splitting), e.g. annotated sentence records for evaluation."""
        docs = [InputDocument(id=str(i), text=t, meta={}) for i, t in enumerate(sentences)]
        out: list[SentencePrediction] = []
        for chunk in self._chunks(iter(docs)):
            prepared = self._prepare(chunk, split=False)
            out.extend(s for d in self._score(prepared, all_sentences=True) for s in d.sentences)
        return out

    # -- pipeline -------------------------------------------------------------------------------

    @staticmethod
    def _documents(items: Iterable[str | InputDocument | dict]) -> Iterator[InputDocument]:
        for n, item in enumerate(items):
            if isinstance(item, InputDocument):
                yield item
            elif isinstance(item, str):
                yield InputDocument(id=str(n), text=item, meta={})
            elif isinstance(item, dict):
                meta = {k: v for k, v in item.items() if k not in ("id", "text")}
                yield InputDocument(id=str(item.get("id", n)), text=str(item.get("text") or ""), meta=meta)
            else:
                raise TypeError(f"expected str, dict or InputDocument, got {type(item).__name__}")

    def _chunks(self, docs: Iterator[InputDocument]) -> Iterator[list[InputDocument]]:
        """Groups of documents holding about ``chunk_sentences`` sentences (estimated from length)."""
        budget = self.chunk_sentences * 150  # characters: ~150 per news sentence
        while True:
            chunk: list[InputDocument] = []
            size = 0
            for doc in docs:
                chunk.append(doc)
                size += len(doc.text)
                if size >= budget:
                    break
            if not chunk:
                return
            yield chunk

    def _prepare(self, docs: list[InputDocument], *, split: bool = True) -> _Prepared:
        spans = [split_sentences(d.text) if split else [(0, len(d.text))] for d in docs]
        texts = [d.text[s:e] for d, doc_spans in zip(docs, spans, strict=True) for s, e in doc_spans]
        encoded: list[EncodedSentence] = []
        for b in range(0, len(texts), 1024):
            encoded.extend(encode_sentences(texts[b : b + 1024], self.tokenizer, self.normalizer,
                                            max_length=self.config.max_length, stride=self.config.stride,
                                            special=self.special))
        keys = [(i, k) for i, enc in enumerate(encoded) for k in range(len(enc.windows))]
        lengths = [len(encoded[i].windows[k].input_ids) for i, k in keys]
        batches = []
        for idx in plan_batches(lengths, batch_size=self.batch_size, max_tokens=self.max_tokens):
            batch_keys = [keys[j] for j in idx]
            ids, mask = pad([encoded[i].windows[k].input_ids for i, k in batch_keys], self.pad_id)
            batches.append((batch_keys, ids, mask))
        return _Prepared(docs, spans, encoded, batches)

    def _score(self, prep: _Prepared, *, all_sentences: bool) -> Iterator[DocumentPrediction]:
        slot_out: dict[tuple[int, int], np.ndarray] = {}
        event_out: dict[tuple[int, int], np.ndarray] = {}
        for keys, ids, mask in prep.batches:
            slots, events = self.backend(ids, mask)
            for row, key in enumerate(keys):
                if slots is not None:
                    slot_out[key] = slots[row, : int(mask[row].sum())]
                if events is not None:
                    event_out[key] = events[row]
        flat = itertools.count()
        for doc, doc_spans in zip(prep.docs, prep.sentence_spans, strict=True):
            sentences = []
            for s_start, s_end in doc_spans:
                i = next(flat)
                sent = self._decode_sentence(prep.encoded[i], i, slot_out, event_out, doc.text, s_start, s_end)
                if all_sentences or self._is_reported(sent):
                    sentences.append(sent)
            yield DocumentPrediction(id=doc.id, sentences=sentences, n_sentences=len(doc_spans), meta=doc.meta)

    def _decode_sentence(self, enc: EncodedSentence, i: int, slot_out: dict, event_out: dict, text: str,
                         start: int, end: int) -> SentencePrediction:
        n_win = len(enc.windows)
        slots: list[SlotPrediction] = []
        if self.config.has_slot_head and n_win:
            tags, probs = word_predictions(enc, [slot_out[(i, k)] for k in range(n_win)], self.config.id2label,
                                           word_pooling=self.config.word_pooling)
            for sp in tags_to_spans(tags, probs, enc.raw_word_spans):
                a, b = start + sp.start, start + sp.end
                slots.append(SlotPrediction(label=sp.label, text=text[a:b], start=a, end=b, score=round(sp.score, 4)))
        event_type = event_score = None
        labels: list[str] = []
        if self.config.has_event_head and n_win:
            probs_ev = event_probabilities([event_out[(i, k)] for k in range(n_win)], multi_label=self.config.multi_label)
            event_type, event_score, labels = event_decision(probs_ev, self.config.event_labels,
                                                             multi_label=self.config.multi_label,
                                                             threshold=self.config.event_threshold)
            event_score = round(event_score, 4) if event_score is not None else None
        return SentencePrediction(start=start, end=end, text=text[start:end], event_type=event_type,
                                  event_score=event_score, event_labels=labels, slots=slots)

    def _is_reported(self, sent: SentencePrediction) -> bool:
        """Sentences worth returning by default: an event other than `none`, or slots for a slots-only model."""
        if self.config.has_event_head:
            return any(label != self.none_event for label in sent.event_labels)
        return bool(sent.slots)

    @property
    def event_labels(self) -> Sequence[str]:
        return self.config.event_labels or []
