"""The training config: rasd's own keys plus every `TrainingArguments` field, from one YAML file.

rasd keys are declared in :class:`RasdTrainingConfig`; any other key must be a
`transformers.TrainingArguments` field and is passed through untouched, so the whole
Trainer surface is available without re-inventing it. Unknown keys are an error that
lists what is accepted. ``key=value`` overrides from the command line apply on top.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from rasd.errors import ConfigError
from rasd.models.configuration import EVENT_POOLING, TASKS, WORD_POOLING

# Defaults rasd sets on TrainingArguments unless the YAML says otherwise: evaluate and keep the
# best checkpoint each epoch by the combined metric, no experiment trackers, length grouping.
TRAINER_DEFAULTS: dict[str, Any] = {
    "eval_strategy": "epoch",
    "save_strategy": "epoch",
    "logging_strategy": "epoch",
    "load_best_model_at_end": True,
    "metric_for_best_model": "combined",
    "greater_is_better": True,
    "save_total_limit": 2,
    "report_to": "none",
    "train_sampling_strategy": "group_by_length",
    "remove_unused_columns": False,
    "label_names": ["labels", "event_labels"],
}


@dataclass
class CompactEncoderConfig:
    """A small BERT built from scratch with a WordPiece vocabulary trained on the training texts."""

    vocab_size: int = field(default=8000, metadata={"help": "WordPiece vocabulary size"})
    hidden_size: int = field(default=256, metadata={"help": "encoder width"})
    num_hidden_layers: int = field(default=4, metadata={"help": "transformer layers"})
    num_attention_heads: int = field(default=4, metadata={"help": "attention heads"})
    intermediate_size: int = field(default=1024, metadata={"help": "feed-forward width"})
    max_position_embeddings: int = field(default=512, metadata={"help": "longest input in sub-tokens"})
    min_frequency: int = field(default=2, metadata={"help": "minimum count for a WordPiece merge"})

    def __post_init__(self) -> None:
        if self.hidden_size % self.num_attention_heads:
            raise ConfigError("compact_encoder: hidden_size must be divisible by num_attention_heads")


@dataclass
class RasdTrainingConfig:
    model_name_or_path: str | None = field(
        default=None,
        metadata={"help": "encoder to fine-tune: a Hub id or a local directory; empty with compact_encoder set"},
    )
    compact_encoder: CompactEncoderConfig | None = field(
        default=None, metadata={"help": "build a small BERT from scratch instead of loading one"}
    )
    task: str = field(default="joint", metadata={"help": "joint | slots | events"})
    train_file: str = field(default="", metadata={"help": "training data, canonical JSONL or any importable format"})
    validation_file: str | None = field(default=None, metadata={"help": "dev data; when absent, held out of train_file"})
    test_file: str | None = field(default=None, metadata={"help": "optional test data, scored at the end for the model card"})
    data_format: str | None = field(default=None, metadata={"help": "format of the data files (auto-detected when empty)"})
    validation_fraction: float = field(default=0.1, metadata={"help": "share of train_file documents held out as dev"})
    label_schema: str = field(default="default", metadata={"help": "'default', 'infer' (from the data) or a YAML path"})
    max_length: int = field(default=128, metadata={"help": "encoder input length in sub-tokens; longer sentences are windowed"})
    stride: int = field(default=32, metadata={"help": "sub-tokens shared by consecutive windows"})
    slot_loss_weight: float = field(default=1.0, metadata={"help": "weight of the slot loss in the joint loss"})
    event_loss_weight: float = field(default=1.0, metadata={"help": "weight of the event loss in the joint loss"})
    event_class_weights: Any = field(default=None, metadata={"help": "null, 'balanced', or a mapping event type -> weight"})
    classifier_dropout: float | None = field(default=None, metadata={"help": "dropout before the heads (encoder's by default)"})
    selection_slot_weight: float = field(
        default=0.5, metadata={"help": "weight of slot F1 in the 'combined' selection metric (events get the rest)"}
    )
    event_pooling: str = field(
        default="cls", metadata={"help": "what the event head reads: 'cls' (first token) or 'mean' (mean of the tokens)"}
    )
    word_pooling: str = field(
        default="first",
        metadata={"help": "slot representation of a word: 'first' sub-token, 'mean' of its sub-tokens, or 'all' "
                          "(every sub-token trained, the first read)"},
    )
    head_learning_rate: float | None = field(
        default=None, metadata={"help": "learning rate of the two heads (learning_rate when empty)"}
    )
    layerwise_lr_decay: float = field(
        default=1.0,
        metadata={"help": "each encoder layer below the top learns at this factor times the one above (1.0: off)"},
    )
    early_stopping_patience: int | None = field(default=3, metadata={"help": "epochs without improvement before stopping"})
    preprocessing: Any = field(default="auto", metadata={"help": "'auto', 'none', 'basic', 'arabert' or a normalizer spec"})
    overwrite_output_dir: bool = field(
        default=False, metadata={"help": "replace a trained model already in output_dir (refused otherwise)"}
    )
    training: dict[str, Any] = field(default_factory=dict, metadata={"help": "TrainingArguments fields (pass-through)"})

    def __post_init__(self) -> None:
        if self.task not in TASKS:
            raise ConfigError(f"task must be one of {', '.join(TASKS)}; got {self.task!r}")
        if not self.train_file:
            raise ConfigError("train_file is required")
        if not self.model_name_or_path and self.compact_encoder is None:
            raise ConfigError("set model_name_or_path (a Hub id or a local directory) or compact_encoder")
        if not 0.0 < self.validation_fraction < 1.0:
            raise ConfigError("validation_fraction must be between 0 and 1")
        if not 0.0 <= self.selection_slot_weight <= 1.0:
            raise ConfigError("selection_slot_weight must be between 0 and 1")
        if not 0 <= self.stride < self.max_length - 2:
            raise ConfigError(f"stride must be >= 0 and below max_length - 2 ({self.max_length - 2})")
        if self.event_pooling not in EVENT_POOLING:
            raise ConfigError(f"event_pooling must be one of {', '.join(EVENT_POOLING)}; got {self.event_pooling!r}")
        if self.word_pooling not in WORD_POOLING:
            raise ConfigError(f"word_pooling must be one of {', '.join(WORD_POOLING)}; got {self.word_pooling!r}")
        if not 0.0 < self.layerwise_lr_decay <= 1.0:
            raise ConfigError(f"layerwise_lr_decay must be in (0, 1]; got {self.layerwise_lr_decay!r}")
        if self.head_learning_rate is not None and not (isinstance(self.head_learning_rate, int | float)
                                                        and self.head_learning_rate > 0):
            raise ConfigError(f"head_learning_rate must be a positive number; got {self.head_learning_rate!r}")
        if "output_dir" not in self.training:
            raise ConfigError("output_dir is required (where the trained model is written)")
        check_training_values(self.training)

    @property
    def output_dir(self) -> Path:
        return Path(self.training["output_dir"])

    def to_dict(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        out.update(out.pop("training"))
        return out


class _YamlLoader(yaml.SafeLoader):
    """YAML 1.1 reads `3e-3` (no dot) as a string; configs mean a float, as in YAML 1.2 and Python."""


_YamlLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:[0-9][0-9_]*)(?:\.[0-9_]*)?[eE][-+]?[0-9]+$|^[-+]?(?:[0-9][0-9_]*)\.[0-9_]*$"
               r"|^[-+]?\.[0-9_]+(?:[eE][-+]?[0-9]+)?$|^[-+]?\.(?:inf|Inf|INF)$|^\.(?:nan|NaN|NAN)$"),
    list("-+0123456789."),
)


_POSITIVE = ("num_train_epochs", "per_device_train_batch_size", "per_device_eval_batch_size",
             "gradient_accumulation_steps", "adam_epsilon")
_NON_NEGATIVE = ("learning_rate", "weight_decay", "warmup_ratio", "warmup_steps", "max_grad_norm", "label_smoothing_factor")


def check_training_values(training: dict[str, Any]) -> None:
    """Numbers where TrainingArguments wants numbers, positive where only positive makes sense (a
    learning rate of 0 is allowed: an untrained baseline), so
    ``learning_rate=fast`` or ``learning_rate=-0.01`` fail before anything is built or written.

    >>> check_training_values({"learning_rate": -0.01})
    Traceback (most recent call last):
    rasd.errors.ConfigError: learning_rate must be zero or more; got -0.01
    """
    import math

    for key in (*_POSITIVE, *_NON_NEGATIVE):
        if key not in training or training[key] is None:
            continue
        value = training[key]
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise ConfigError(f"{key} must be a number; got {value!r}")
        if key in _POSITIVE and value <= 0:
            raise ConfigError(f"{key} must be a positive number; got {value!r}")
        if key in _NON_NEGATIVE and value < 0:
            raise ConfigError(f"{key} must be zero or more; got {value!r}")


def read_yaml(text: str):
    return yaml.load(text, Loader=_YamlLoader)  # noqa: S506 - a SafeLoader subclass


def training_argument_names() -> set[str]:
    from transformers import TrainingArguments

    return {f.name for f in dataclasses.fields(TrainingArguments) if f.init}


def parse_override(item: str) -> tuple[str, Any]:
    """``key=value`` with the value read as YAML (numbers, booleans, lists), dotted keys for nesting."""
    if "=" not in item:
        raise ConfigError(f"override {item!r} must look like key=value")
    key, _, value = item.partition("=")
    try:
        return key.strip(), read_yaml(value) if value.strip() else None
    except yaml.YAMLError:
        return key.strip(), value


def apply_overrides(raw: dict[str, Any], overrides: list[str]) -> dict[str, Any]:
    raw = dict(raw)
    for item in overrides:
        key, value = parse_override(item)
        target = raw
        *parents, leaf = key.split(".")
        for p in parents:
            if isinstance(target.get(p), str):  # a named choice refined key by key: `preprocessing: auto`
                target[p] = {"kind": target[p]}
            target = target.setdefault(p, {})
            if not isinstance(target, dict):
                raise ConfigError(f"override {item!r}: {p} is not a mapping")
        target[leaf] = value
    return raw


def config_from_dict(raw: dict[str, Any], *, base_dir: Path | None = None) -> RasdTrainingConfig:
    """Split rasd keys from TrainingArguments keys and reject anything else.

    Relative data paths are read relative to the current directory, as users type them.
    """
    own = {f.name for f in dataclasses.fields(RasdTrainingConfig)} - {"training"}
    hf = training_argument_names()
    kwargs: dict[str, Any] = {}
    training: dict[str, Any] = dict(raw.pop("training", None) or {})
    unknown = []
    for key, value in raw.items():
        if key in own:
            kwargs[key] = value
        elif key in hf:
            training[key] = value
        else:
            unknown.append(key)
    if unknown:
        raise ConfigError(
            f"unknown config key(s): {', '.join(sorted(unknown))}. rasd keys: {', '.join(sorted(own))}; "
            "any transformers.TrainingArguments field is also accepted"
        )
    bad_hf = set(training) - hf
    if bad_hf:
        raise ConfigError(f"unknown TrainingArguments field(s): {', '.join(sorted(bad_hf))}")
    compact = kwargs.get("compact_encoder")
    if isinstance(compact, dict):
        names = {f.name for f in dataclasses.fields(CompactEncoderConfig)}
        if set(compact) - names:
            raise ConfigError(f"compact_encoder: unknown key(s) {sorted(set(compact) - names)}; accepted: {sorted(names)}")
        kwargs["compact_encoder"] = CompactEncoderConfig(**compact)
    elif compact is True:
        kwargs["compact_encoder"] = CompactEncoderConfig()
    try:
        return RasdTrainingConfig(training=training, **kwargs)
    except TypeError as e:
        raise ConfigError(f"bad config value: {e}") from None


def load_config(path: str | Path, overrides: list[str] | None = None) -> RasdTrainingConfig:
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"config file not found: {path}")
    try:
        raw = read_yaml(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as e:
        raise ConfigError(f"{path}: not valid YAML: {e}") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: a training config must be a mapping of keys to values")
    return config_from_dict(apply_overrides(raw, overrides or []), base_dir=path.parent)
