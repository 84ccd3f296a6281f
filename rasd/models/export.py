"""`rasd export --to hf-heads`: the joint model as two standard Hugging Face checkpoints.

The joint model's heads mirror the stock ones (see :mod:`rasd.models.modeling`), so its
weights map one to one onto ``AutoModelForTokenClassification`` (slot tags) and
``AutoModelForSequenceClassification`` (event types). Both load in ``transformers.pipeline()``
with no rasd code, at the price of two encoder passes per sentence instead of one.

The joint model reads rasd-normalized text (``config.preprocessing``); a pipeline reads what it
is given. Each exported README says so, and ``config.json`` keeps the spec as
``rasd_preprocessing`` so that callers can normalize first.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch

from rasd.errors import ConfigError, ModelLoadError

TOKEN_DIR = "token-classification"
SEQUENCE_DIR = "sequence-classification"

# Where the event head's dense (+tanh) and output layers live in each family's
# ForSequenceClassification; "{base}" is the model's base_model_prefix. Only families whose stock
# head is exactly dense -> tanh -> dropout -> linear on the first token are listed.
_POOLER = ("{base}.pooler.dense", "classifier")
_CLASSIFICATION_HEAD = ("classifier.dense", "classifier.out_proj")
EVENT_HEAD_LAYOUTS: dict[str, tuple[str, str]] = {
    "bert": _POOLER,
    "megatron-bert": _POOLER,
    "roberta": _CLASSIFICATION_HEAD,
    "xlm-roberta": _CLASSIFICATION_HEAD,
    "camembert": _CLASSIFICATION_HEAD,
}


def check_export_target(model_dir: str | Path, out: str | Path, *, overwrite: bool = False) -> None:
    """Refuse an export target that would harm the model or other files, before anything is written:
    the model folder itself, a folder inside it or around it, a file, a folder holding other files,
    and (without ``overwrite``) a folder that already holds a model or an export."""
    from rasd.safe_io import guard_output, holds_model

    model_dir, out = Path(model_dir), Path(out)
    guard_output(out, [model_dir], what="export folder", folder=True, own_target=out)
    if out.is_dir() and any(out.iterdir()):
        if not holds_model(out):
            raise ConfigError(f"{out}: the export folder holds other files; export into a new or empty folder")
        if not overwrite:
            raise ConfigError(f"{out} already holds a model or an export; add --overwrite to replace it (the old one "
                              "is kept until the new one is complete)")


def export_hf_heads(model_dir: str | Path, out: str | Path, *, approximate: bool = False,
                    overwrite: bool = False) -> Path:
    """Write ``out/token-classification`` and/or ``out/sequence-classification``; returns ``out``.

    A model trained with one head off (``task: slots`` or ``task: events``) exports only the head it
    has. Raises :class:`~rasd.errors.ModelLoadError` for an encoder family whose stock
    sequence-classification head differs from rasd's event head (e.g. ELECTRA's uses GELU).

    >>> out = export_hf_heads("runs/compact", "runs/compact-hf")             # doctest: +SKIP
    >>> from transformers import pipeline                                     # doctest: +SKIP
    >>> pipeline("text-classification", model=str(out / "sequence-classification"))("...")  # doctest: +SKIP
    """
    from transformers import AutoTokenizer

    from rasd.inference.loading import check_model_dir, load_config, load_torch_model
    from rasd.safe_io import staged_folder

    model_dir, out = Path(model_dir), Path(out)
    config = load_config(model_dir)
    family = config.encoder.model_type
    if config.has_event_head and family not in EVENT_HEAD_LAYOUTS:
        raise ModelLoadError(
            f"{model_dir}: cannot export the event head of a {family!r} encoder to a stock "
            f"AutoModelForSequenceClassification (supported: {', '.join(sorted(EVENT_HEAD_LAYOUTS))}); "
            "use `rasd export --to onnx` or the rasd Python API instead")
    not_stock = [f"{key}: {value}" for key, value, stock in
                 (("event_pooling", config.event_pooling, ("cls",)),
                  ("word_pooling", config.word_pooling, ("first", "all")))  # "all" is read from the first sub-token
                 if value not in stock and (key == "word_pooling" and config.has_slot_head
                                        or key == "event_pooling" and config.has_event_head)]
    if not_stock and not approximate:
        raise ModelLoadError(
            f"{model_dir}: trained with {', '.join(not_stock)}, which the stock transformers heads cannot reproduce "
            "exactly (they read the first token / first sub-token); use `rasd export --to onnx` or the rasd "
            "Python API, or train with event_pooling: cls and word_pooling: first for hf-heads (--approximate "
            "writes them anyway, for speed comparisons; their README says what differs)")
    check_export_target(model_dir, out, overwrite=overwrite)
    check_model_dir(model_dir)
    model = load_torch_model(model_dir).eval()
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    state = model.state_dict()
    with staged_folder(out) as stage:  # out is replaced only by a complete export
        if config.has_slot_head:
            _save(_token_model(config, state), tokenizer, config, stage / TOKEN_DIR, "token-classification", not_stock)
        if config.has_event_head:
            _save(_sequence_model(config, state), tokenizer, config, stage / SEQUENCE_DIR, "text-classification",
                  not_stock)
    return out


def _head_config(config, labels: list[str], **extra: Any):
    """The encoder's own config with a head's labels, plus the rasd preprocessing spec."""
    enc = config.encoder
    head = type(enc).from_dict({k: v for k, v in enc.to_dict().items() if k != "_name_or_path"})
    head.id2label = dict(enumerate(labels))
    head.label2id = {label: i for i, label in enumerate(labels)}
    head.classifier_dropout = config.classifier_dropout
    head.rasd_preprocessing = config.preprocessing or {"kind": "basic"}
    for key, value in extra.items():
        setattr(head, key, value)
    return head


def _encoder_weights(state: dict[str, torch.Tensor], base: str) -> dict[str, torch.Tensor]:
    return {f"{base}.{k.removeprefix('encoder.')}": v for k, v in state.items() if k.startswith("encoder.")}


def _linear(state: dict[str, torch.Tensor], src: str, dst: str) -> dict[str, torch.Tensor]:
    return {f"{dst}.weight": state[f"{src}.weight"], f"{dst}.bias": state[f"{src}.bias"]}


def _token_model(config, state: dict[str, torch.Tensor]) -> torch.nn.Module:
    from transformers import AutoModelForTokenClassification

    model = AutoModelForTokenClassification.from_config(_head_config(config, config.slot_labels))
    weights = _encoder_weights(state, model.base_model_prefix)
    weights.update(_linear(state, "slot_head.classifier", "classifier"))
    return _load(model, weights)


def _sequence_model(config, state: dict[str, torch.Tensor]) -> torch.nn.Module:
    from transformers import AutoModelForSequenceClassification

    problem = "multi_label_classification" if config.multi_label else "single_label_classification"
    model = AutoModelForSequenceClassification.from_config(
        _head_config(config, list(config.event_labels), problem_type=problem))
    dense, classifier = (name.format(base=model.base_model_prefix)
                         for name in EVENT_HEAD_LAYOUTS[config.encoder.model_type])
    weights = _encoder_weights(state, model.base_model_prefix)
    weights.update(_linear(state, "event_head.dense", dense))
    weights.update(_linear(state, "event_head.classifier", classifier))
    return _load(model, weights)


def _load(model: torch.nn.Module, weights: dict[str, torch.Tensor]) -> torch.nn.Module:
    """Every parameter of the stock model must come from the joint model, and nothing be left over."""
    expected = set(model.state_dict())
    missing, unexpected = sorted(expected - set(weights)), sorted(set(weights) - expected)
    if missing or unexpected:
        raise ModelLoadError(f"cannot map the joint model onto {type(model).__name__}: "
                             f"missing {missing[:5]}, unexpected {unexpected[:5]}")
    model.load_state_dict(weights, strict=True)
    return model.eval()


def _save(model: torch.nn.Module, tokenizer, config, path: Path, pipeline_tag: str, not_stock: list[str]) -> None:
    path.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(path)
    tokenizer.save_pretrained(path)
    readme = _readme(type(model).__name__, config, pipeline_tag)
    if not_stock:
        readme = readme.replace("Its logits equal the joint model's on the same input ids.", APPROXIMATE.format(
            options=", ".join(f"`{o}`" for o in not_stock)))
    (path / "README.md").write_text(readme, encoding="utf-8")


APPROXIMATE = """**Approximate export (`--approximate`).** The joint model was trained with {options}; this stock
head reads the first token (sequence classification) or each sub-token on its own (token classification),
so its outputs differ from the joint model's and are not a substitute for it. Use it for speed
comparisons; use `rasd predict` or `rasd export --to onnx` for the model's real predictions."""


README = """---
library_name: transformers
pipeline_tag: {pipeline_tag}
language: ar
tags: [rasd, arabic, event-extraction, {pipeline_tag}]
---

# rasd {what}, exported as `{cls}`

One head of a **rasd** joint model (encoder `{family}`), exported by `rasd export --to hf-heads`.
Its logits equal the joint model's on the same input ids.

Labels: {labels}

## Normalize the text first

The joint model was trained on, and reads, text normalized by rasd (spec `{spec}`, also in
`config.json` as `rasd_preprocessing`; the basic one removes diacritics and tatweel, spaces
punctuation off and makes Eastern Arabic digits Western). A `transformers.pipeline()` reads the
text exactly as given, so raw text can give different predictions. Normalize it as rasd does:

```python
from transformers import pipeline
from rasd.text.normalize import build_normalizer

normalize = build_normalizer({spec_py})
pipe = pipeline("{pipeline_tag}", model="PATH/TO/THIS/FOLDER"{pipeline_kwargs})
pipe(normalize("قصفت طائرة مسيّرة موقعاً قرب الميادين.").text)
```

Character offsets that a pipeline returns then index the normalized text; `rasd predict` (or
`rasd.Extractor`) maps them back to the raw text, splits sentences, scores long sentences in
overlapping windows, and runs both heads in one encoder pass.
{aggregation}"""

AGGREGATION = """
Use `aggregation_strategy="first"`: the tagger was trained with each word's label on its first
sub-token only (the others were ignored, `-100`), so only first sub-tokens carry meaningful labels.
`"simple"` (or `"none"`) also reports the continuation pieces, which gives word fragments as
entities; on a trained compact model its spans agreed with rasd's at F1 0.42, against 0.98 with
`"first"` (the rest: words the pipeline's sub-word heuristic groups differently from rasd).
"""


def _readme(cls: str, config, pipeline_tag: str) -> str:
    token = pipeline_tag == "token-classification"
    labels = config.slot_labels if token else list(config.event_labels)
    what = "slot tagger (IOB2)" if token else "event-type classifier" + (
        " (multi-label: sigmoid per type)" if config.multi_label else "")
    spec = json.dumps(config.preprocessing or {"kind": "basic"}, ensure_ascii=False)
    return README.format(pipeline_tag=pipeline_tag, what=what, cls=cls, family=config.encoder.model_type,
                         pipeline_kwargs=', aggregation_strategy="first"' if token else "",
                         aggregation=AGGREGATION if token else "",
                         labels=", ".join(f"`{label}`" for label in labels), spec=spec,
                         spec_py=repr(config.preprocessing or {"kind": "basic"}))
