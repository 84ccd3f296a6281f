"""Records -> model features: words with raw offsets, sub-tokens, strided windows, IOB2 labels.

Labels sit on the first sub-token of each word (``-100`` elsewhere). Sentences longer
than the encoder's limit become overlapping windows; each word is *owned* by the
window where its first sub-token is most central, and only that window's prediction
counts for it (the least truncated context wins).
Everything here is a pure function of (text, tokenizer, normalizer, limits).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from rasd.data.records import Span
from rasd.data.schema import OUTSIDE
from rasd.text.normalize import Normalizer
from rasd.text.words import tokenize_words

IGNORE = -100


@dataclass
class Window:
    """One encoder input: ``input_ids`` with special tokens, and which word each position starts."""

    input_ids: list[int]
    # Per position: index of the word whose FIRST sub-token sits there, else None (special tokens,
    # continuation sub-tokens).
    word_starts: list[int | None]
    # Per position: True where this window owns that word (see module docstring).
    owned: list[bool] = field(default_factory=list)
    # Per position: the word of every sub-token (first or not), None for special tokens.
    word_index: list[int | None] = field(default_factory=list)


@dataclass
class EncodedSentence:
    raw_word_spans: list[tuple[int, int]]
    windows: list[Window]


@dataclass(frozen=True)
class SpecialTokens:
    prefix: list[int]
    suffix: list[int]

    @classmethod
    def of(cls, tokenizer) -> SpecialTokens:
        """What the tokenizer wraps around a sequence (e.g. [CLS] ... [SEP]), found by encoding one word."""
        bare = tokenizer("x", add_special_tokens=False)["input_ids"]
        full = tokenizer("x")["input_ids"]
        for i in range(len(full) - len(bare) + 1):
            if full[i : i + len(bare)] == bare:
                return cls(prefix=full[:i], suffix=full[i + len(bare) :])
        return cls(prefix=[], suffix=[])  # pragma: no cover - tokenizers always keep the content


def sentence_words(text: str, normalizer: Normalizer) -> tuple[list[str], list[tuple[int, int]]]:
    """Normalized words (what the tokenizer reads) and their offsets in the RAW text."""
    norm = normalizer(text)
    words, raw_spans = [], []
    for s, e in tokenize_words(norm.text):
        words.append(norm.text[s:e])
        raw_spans.append(norm.raw_span(s, e))
    return words, raw_spans


def window_bounds(n_tokens: int, body: int, stride: int) -> list[tuple[int, int]]:
    """Start/end (in content tokens) of windows of at most ``body`` tokens overlapping by ``stride``.

    >>> window_bounds(10, 4, 1)
    [(0, 4), (3, 7), (6, 10)]
    """
    if n_tokens <= body:
        return [(0, n_tokens)]
    step = body - stride
    bounds, start = [], 0
    while True:
        end = min(start + body, n_tokens)
        bounds.append((start, end))
        if end == n_tokens:
            return bounds
        start += step


def encode_words(
    word_ids: Sequence[int | None],
    input_ids: Sequence[int],
    *,
    special: SpecialTokens,
    max_length: int,
    stride: int,
) -> list[Window]:
    """Cut one sentence's sub-tokens into windows and mark first sub-tokens and ownership."""
    body = max_length - len(special.prefix) - len(special.suffix)
    first = [w if w is not None and (i == 0 or word_ids[i - 1] != w) else None for i, w in enumerate(word_ids)]
    bounds = window_bounds(len(input_ids), body, stride)
    owner: dict[int, int] = {}
    if len(bounds) > 1:
        step = body - stride
        for pos, w in enumerate(first):
            if w is None:
                continue
            # Only the two or three windows around pos contain it (windows start every `step` tokens).
            candidates = range(max(0, (pos - body) // step), min(len(bounds), pos // step + 1))
            owner[pos] = max(
                (k for k in candidates if bounds[k][0] <= pos < bounds[k][1]),
                key=lambda k: min(pos - bounds[k][0], bounds[k][1] - 1 - pos),
            )
    windows = []
    pad = [None] * len(special.prefix)
    for k, (s, e) in enumerate(bounds):
        starts = pad + list(first[s:e]) + [None] * len(special.suffix)
        owned = [False] * len(pad) + [
            first[p] is not None and owner.get(p, 0) == k for p in range(s, e)
        ] + [False] * len(special.suffix)
        words = pad + list(word_ids[s:e]) + [None] * len(special.suffix)
        windows.append(Window(special.prefix + list(input_ids[s:e]) + special.suffix, starts, owned, words))
    return windows


def encode_sentences(
    texts: Sequence[str],
    tokenizer,
    normalizer: Normalizer,
    *,
    max_length: int,
    stride: int,
    special: SpecialTokens | None = None,
) -> list[EncodedSentence]:
    """Encode a batch of raw sentences (one fast-tokenizer call for the batch)."""
    special = special or SpecialTokens.of(tokenizer)
    per_text = [sentence_words(t, normalizer) for t in texts]
    non_empty = [i for i, (w, _) in enumerate(per_text) if w]
    out = [EncodedSentence(raw_word_spans=spans, windows=[]) for _, spans in per_text]
    if not non_empty:
        return out
    # verbose=False: sentences longer than the model's limit are expected here, they are windowed below.
    enc = tokenizer([per_text[i][0] for i in non_empty], is_split_into_words=True, add_special_tokens=False,
                    verbose=False)
    for j, i in enumerate(non_empty):
        ids = enc["input_ids"][j]
        if ids:
            out[i].windows = encode_words(enc.word_ids(j), ids, special=special, max_length=max_length, stride=stride)
    return out


def word_tags(raw_word_spans: Sequence[tuple[int, int]], spans: Sequence[Span]) -> tuple[list[str], list[Span]]:
    """IOB2 tag per word from character spans; also the spans no word fell into (to report, not drop).

    >>> word_tags([(0, 3), (4, 7), (8, 13)], [Span(4, 13, "LOCATION")])
    (['O', 'B-LOCATION', 'I-LOCATION'], [])
    """
    tags = [OUTSIDE] * len(raw_word_spans)
    unaligned = []
    for span in sorted(spans):
        inside = [i for i, (s, e) in enumerate(raw_word_spans) if s >= span.start and e <= span.end and s < e]
        if not inside:
            unaligned.append(span)
            continue
        tags[inside[0]] = f"B-{span.label}"
        for i in inside[1:]:
            tags[i] = f"I-{span.label}"
    return tags, unaligned


def window_labels(window: Window, word_label_ids: Sequence[int], *, owned_only: bool,
                  continuation_ids: Sequence[int] | None = None) -> list[int]:
    """Per-position label ids: the word's tag on its first sub-token, ``-100`` elsewhere.

    With ``continuation_ids`` (one per word: the id of ``I-X`` for a ``B-X`` word, else the word's own id)
    the other sub-tokens of a labelled word are trained too (``word_pooling: all``).
    """
    labels = []
    for p, w in enumerate(window.word_starts):
        if w is not None and (window.owned[p] or not owned_only):
            labels.append(word_label_ids[w])
        elif continuation_ids is not None and w is None and window.word_index and window.word_index[p] is not None:
            labels.append(continuation_ids[window.word_index[p]])
        else:
            labels.append(IGNORE)
    return labels
