"""AraBERT's own preprocessing, with an exact offset map back to the raw text.

AraBERT models were pretrained on text run through ``arabert.ArabertPreprocessor``
(no diacritics or tatweel, spaced punctuation, Western digits, ``[رابط]`` for URLs, ...),
so fine-tuning and inference should feed them the same. ``preprocess()`` returns a bare
string; here the same steps (arabert 1.0.1, ``_preprocess_v2``) run on a string that
tracks where every character came from, and the result is checked against
``preprocess()`` itself on every call, so the text is exactly arabert's and the offsets
are exact, or an error says why.

Farasa-segmented models (``bert-base-arabertv2``, ``bert-large-arabertv2``,
``bert-base-arabert``) need farasapy, Java and Farasa's jars; arabert downloads the jars
on first use and, when it cannot, ``preprocess()`` returns ``""`` without a word. That is
detected before the preprocessor is built and again on every output.
"""

from __future__ import annotations

import html
import importlib.util
import re
import shutil
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import arabert
from arabert.preprocess import (
    ACCEPTED_MODELS,
    EMAIL_REGEXES,
    HINDI_TO_ARABIC_MAP,
    MULTIPLE_CHAR_PATTERN,
    SEGMENTED_MODELS,
    URL_REGEXES,
    USER_MENTION_REGEX,
    ArabertPreprocessor,
)

from rasd.errors import ConfigError, PreprocessingError
from rasd.text._tracked import Piece, Tracked, word_ids
from rasd.text.normalize import NormalizedText
from rasd.text.words import tokenize_words

V02_EXAMPLE = "aubmindlab/bert-base-arabertv02"
_V1_MODELS = ("bert-base-arabert", "bert-base-arabertv01")  # preprocessed by _preprocess_v1
_LOOKS_SEGMENTED = re.compile(r"arabertv[12](?!\d)|^bert-(?:base|large)-arabert$")
_FARASA_V2 = ("bert-base-arabertv2", "bert-large-arabertv2")  # _preprocess_v2 segments these by name

# The steps of ArabertPreprocessor._preprocess_v2, compiled once.
_CHARREF = re.compile(r"&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\t\n\f <&#;]{1,32};?)")  # html.unescape's
_TASHKEEL = re.compile("[\u064b\u064c\u064d\u064e\u064f\u0650\u0651\u0652]+")  # pyarabic TASHKEEL
_TATWEEL = re.compile("\u0640+")
_URLS = [re.compile(r) for r in URL_REGEXES]
_EMAILS = [re.compile(r) for r in EMAIL_REGEXES]
_MENTION = re.compile(USER_MENTION_REGEX)
_BR = re.compile("<br />")
_MARKUP = re.compile("</?[^>]+>")
# arabert's pattern also spaces off whitespace; leaving it out gives the same text once
# whitespace is collapsed, with half the matches.
_SPACED = re.compile("([^0-9\u0621-\u063a\u0641-\u064a\u0660-\u0669a-zA-Z\\[\\]\\s])")
_DIGITS_LETTERS = re.compile("(\\d+)([\u0621-\u063a\u0641-\u064a\u0660-\u066c]+)")
_LETTERS_DIGITS = re.compile("([\u0621-\u063a\u0641-\u064a\u0660-\u066c]+)(\\d+)")
_VS16 = re.compile("\ufe0f")
_SLASH = {ord("/"): "-"}
_OPTIONS = (
    "remove_html_markup",
    "replace_urls_emails_mentions",
    "strip_tashkeel",
    "strip_tatweel",
    "insert_white_spaces",
    "remove_non_digit_repetition",
    "keep_emojis",
    "replace_slash_with_dash",
    "map_hindi_numbers_to_arabic",
)


@dataclass(frozen=True)
class ArabertNormalizer:
    """Normalize as ``ArabertPreprocessor(model_name).preprocess`` does, keeping offsets.

    Options left ``None`` take arabert's default for the model; set ones are passed on.

    >>> n = ArabertNormalizer("aubmindlab/bert-base-arabertv02")
    >>> t = n("قصفٌ على دمشق،٣ قتلى http://t.co/x")
    >>> t.text
    'قصف على دمشق ، 3 قتلى [رابط]'
    >>> s, e = t.raw_span(22, 28)
    >>> t.raw[s:e]
    'http://t.co/x'
    """

    model_name: str = V02_EXAMPLE
    remove_html_markup: bool | None = None
    replace_urls_emails_mentions: bool | None = None
    strip_tashkeel: bool | None = None
    strip_tatweel: bool | None = None
    insert_white_spaces: bool | None = None
    remove_non_digit_repetition: bool | None = None
    keep_emojis: bool | None = None
    replace_slash_with_dash: bool | None = None
    map_hindi_numbers_to_arabic: bool | None = None
    _prep: ArabertPreprocessor = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        base = resolve_model_name(self.model_name)
        options = {name: getattr(self, name) for name in _OPTIONS if getattr(self, name) is not None}
        # Passing apply_farasa_segmentation keeps arabert from starting Java for models that need none.
        prep = ArabertPreprocessor(base, apply_farasa_segmentation=base in SEGMENTED_MODELS, **options)
        object.__setattr__(self, "_prep", prep)

    @classmethod
    def from_dict(cls, spec: dict[str, Any]) -> ArabertNormalizer:
        """Build from a spec without ``kind`` (see :func:`rasd.text.normalize.build_normalizer`)."""
        allowed = {"model_name", *_OPTIONS}
        unknown = sorted(set(spec) - allowed)
        if unknown:
            raise ConfigError(
                f"unknown option(s) {', '.join(unknown)} for normalizer kind 'arabert' "
                f"(allowed: {', '.join(sorted(allowed))})"
            )
        if not isinstance(spec.get("model_name"), str):
            raise ConfigError(
                f"normalizer kind 'arabert' needs a 'model_name' string, e.g. {V02_EXAMPLE!r}; "
                f"got {spec.get('model_name')!r}"
            )
        for name in _OPTIONS:
            if spec.get(name) is not None and not isinstance(spec[name], bool):
                raise ConfigError(f"arabert option '{name}' must be true, false or null, got {spec[name]!r}")
        return cls(**spec)

    def __reduce__(self) -> tuple[Any, ...]:
        # Rebuilt from its options in another process: the preprocessor may hold modules.
        return (type(self), tuple(getattr(self, f.name) for f in fields(self) if f.init))

    def to_dict(self) -> dict[str, Any]:
        """The spec that rebuilds this normalizer: kind, model name and the options set."""
        spec: dict[str, Any] = {"kind": "arabert", "model_name": self.model_name}
        for f in fields(self):
            if f.name in _OPTIONS and getattr(self, f.name) is not None:
                spec[f.name] = getattr(self, f.name)
        return spec

    def __call__(self, raw: str) -> NormalizedText:
        tracked = _replay_v2(self._prep, raw)
        expected = self._prep.preprocess(raw)
        if tracked.text and not expected:
            raise PreprocessingError(
                f"arabert's preprocess() for {self.model_name!r} returned an empty string for "
                f"{_preview(raw)}, whose text its rules keep. This is what arabert does when Farasa "
                "segmentation fails; check that Java and the Farasa jars work (see farasapy), "
                f"or use a model without segmentation such as {V02_EXAMPLE!r}."
            )
        if self._prep.model_name in _FARASA_V2:
            tracked = _align_segmented(tracked, expected)
        if tracked.text != expected:
            raise PreprocessingError(
                f"rasd's offset-tracking copy of arabert {arabert.__version__} preprocessing for "
                f"{self.model_name!r} gave {_preview(tracked.text)} but arabert gave {_preview(expected)} "
                f"for {_preview(raw)}. rasd follows arabert 1.0.1: install arabert==1.0.1, or use the "
                "'basic' normalizer; please report the text."
            )
        return NormalizedText.from_tracked(raw, tracked)


def resolve_model_name(model_name: str) -> str:
    """The arabert model name that picks the preprocessing, checked before anything is built.

    >>> resolve_model_name("aubmindlab/bert-large-arabertv02")
    'bert-large-arabertv02'
    """
    base = model_name.rstrip("/").split("/")[-1]
    segmented = base in SEGMENTED_MODELS or bool(_LOOKS_SEGMENTED.search(base))
    if segmented:
        missing = _farasa_missing()
        if missing:
            raise PreprocessingError(
                f"model {model_name!r} was pretrained on Farasa-segmented text, and Farasa is not usable "
                f"here ({missing}); arabert would try to download it and, failing, return empty strings. "
                "Install farasapy with Java 7+ on PATH and Farasa's jars (farasapy fetches them on first "
                f"use, which needs network access), or use a model without segmentation such as "
                f"{V02_EXAMPLE!r} or 'aubmindlab/bert-large-arabertv02'."
            )
    if base in _V1_MODELS:
        raise ConfigError(
            f"the 'arabert' normalizer cannot keep offsets through AraBERT v1 preprocessing ({model_name!r}): "
            "it merges runs of punctuation. Use {'kind': 'basic'} with this model, or a v0.2 model "
            f"such as {V02_EXAMPLE!r}."
        )
    if base not in ACCEPTED_MODELS:
        raise ConfigError(
            f"arabert {arabert.__version__} does not know model {model_name!r} and would silently use "
            f"v0.2 preprocessing. Give the AraBERT model yours was fine-tuned from, e.g. {V02_EXAMPLE!r} "
            f"(known: {', '.join(m for m in ACCEPTED_MODELS if m not in _V1_MODELS)}), "
            "or use {'kind': 'basic'} for other encoders."
        )
    return base


def _farasa_missing() -> str:
    """Why Farasa segmentation cannot run here ('' when it can), checked without running anything."""
    spec = importlib.util.find_spec("farasa")
    if spec is None or spec.origin is None:
        return "farasapy is not installed"
    if shutil.which("java") is None:
        return "no 'java' on PATH"
    bins = Path(spec.origin).parent / "farasa_bin"
    jars = [bins / "FarasaNERJar.jar", bins / "FarasaPOSJar.jar", bins / "FarasaDiacritizeJar.jar"]
    missing = [p for p in [*jars, bins / "lib" / "FarasaSegmenterJar.jar"] if not p.is_file()]
    return f"Farasa's jars are missing from {bins}" if missing else ""


def _replay_v2(prep: ArabertPreprocessor, raw: str) -> Tracked:
    """``prep._preprocess_v2(raw)`` step by step on a :class:`Tracked`, before Farasa segmentation."""
    text = Tracked.of(raw).rewrite(_CHARREF, html.unescape)
    words = word_ids(raw, tokenize_words(raw))
    if prep.strip_tashkeel:
        text = text.delete(_TASHKEEL, words=words)
    if prep.strip_tatweel:
        text = text.delete(_TATWEEL, words=words)
    if prep.replace_urls_emails_mentions:
        for pattern in _URLS:
            text = text.replace_all(pattern, " [رابط] ")
        for pattern in _EMAILS:
            text = text.replace_all(pattern, " [بريد] ")
        text = text.replace_all(_MENTION, " [مستخدم] ")
    if prep.remove_html_markup:
        text = text.replace_all(_BR, " ").replace_all(_MARKUP, " ")
    if prep.map_hindi_numbers_to_arabic:
        text = text.translate(HINDI_TO_ARABIC_MAP)
    if prep.remove_non_digit_repetition:
        text = text.sub(MULTIPLE_CHAR_PATTERN, _keep_two)
    if prep.insert_white_spaces:
        text = text.sub(_SPACED, _space_groups).sub(_DIGITS_LETTERS, _space_groups)
        text = text.sub(_LETTERS_DIGITS, _space_groups)
    if prep.replace_slash_with_dash:
        text = text.translate(_SLASH)
    text = text.replace_all(re.compile(prep.REJECTED_CHARS_REGEX), " ")
    return text.delete(_VS16, words=words).collapse_whitespace()


def _keep_two(m: re.Match[str]) -> list[Piece]:
    """``\\1\\1`` for a run of 3+: the second copy stands for the rest of the run."""
    return [("copy", m.start(), m.start() + 1), ("map", m.group(1), m.start() + 1, m.end())]


def _space_groups(m: re.Match[str]) -> list[Piece]:
    """``" \\1 "`` or ``" \\1 \\2 "``: each group copied, a space inserted around each."""
    pieces: list[Piece] = []
    for g in range(1, (m.re.groups or 0) + 1):
        pieces += [("insert", " ", m.start(g)), ("copy", *m.span(g))]
    return [*pieces, ("insert", " ", m.end())]


def _align_segmented(unsegmented: Tracked, segmented: str) -> Tracked:
    """Map Farasa's output (``و+ قال``) onto the text before segmentation.

    Segmentation only adds ``+`` and spaces, so the other characters must match one for one;
    a ``+`` stands for the letter it is attached to.
    """
    src, starts, ends = unsegmented.text.replace(" ", ""), [], []
    index = [i for i, ch in enumerate(unsegmented.text) if ch != " "]
    k = 0
    for ch in segmented:
        if ch != " " and k < len(src) and src[k] == ch:
            starts.append(unsegmented.starts[index[k]])
            ends.append(unsegmented.ends[index[k]])
            k += 1
        elif ch in " +":
            starts.append(-1)
            ends.append(-1)
        else:
            break
    if k != len(src) or len(starts) != len(segmented):
        raise PreprocessingError(
            f"Farasa segmentation changed more than word boundaries ({_preview(segmented)} from "
            f"{_preview(unsegmented.text)}), so offsets cannot be kept; use a model without segmentation "
            f"such as {V02_EXAMPLE!r}."
        )
    _fill_inserted(segmented, starts, ends)
    return Tracked(segmented, starts, ends)


def _fill_inserted(text: str, starts: list[int], ends: list[int]) -> None:
    """Give each inserted ``+`` its letter's range and each inserted space the gap it sits in."""
    n = len(text)
    for i in range(n):
        if starts[i] < 0 and text[i] == "+" and i > 0 and text[i - 1] != " " and starts[i - 1] >= 0:
            starts[i], ends[i] = starts[i - 1], ends[i - 1]
    for i in range(n - 1, -1, -1):
        if starts[i] < 0 and text[i] == "+" and i + 1 < n and starts[i + 1] >= 0:
            starts[i], ends[i] = starts[i + 1], ends[i + 1]
    for i in range(n):
        if starts[i] >= 0:
            continue
        j = i + 1
        while j < n and starts[j] < 0:
            j += 1
        lo = ends[i - 1] if i > 0 else (starts[j] if j < n else 0)
        hi = starts[j] if j < n else lo
        starts[i], ends[i] = min(lo, hi), max(lo, hi)


def _preview(text: str, limit: int = 60) -> str:
    return repr(text if len(text) <= limit else text[:limit] + "…")
