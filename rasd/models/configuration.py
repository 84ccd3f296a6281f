"""`RasdConfig`: one config for the encoder and both heads, saved as ``config.json``.

``id2label``/``label2id`` hold the slot tags (the token-classification convention, so
tools that read ``config.json`` see the tag set); ``event_labels`` holds the event types.
The encoder's own config is nested under ``encoder``, so any BERT-family model works.
"""

from __future__ import annotations

from typing import Any

from transformers import AutoConfig, PreTrainedConfig
from transformers.configuration_utils import SubConfigSpec

TASKS = ("joint", "slots", "events")
EVENT_POOLING = ("cls", "mean")
WORD_POOLING = ("first", "mean", "all")


class RasdConfig(PreTrainedConfig):
    model_type = "rasd"
    # The per-head losses are for logging; the Trainer must not gather them as predictions.
    keys_to_ignore_at_inference = ["slot_loss", "event_loss"]
    sub_configs_defaults = {"encoder": SubConfigSpec(config_class=AutoConfig, model_type="bert")}

    encoder: PreTrainedConfig | dict | None = None
    task: str = "joint"
    event_labels: list[str] | None = None
    multi_label: bool = False
    event_threshold: float = 0.5
    slot_loss_weight: float = 1.0
    event_loss_weight: float = 1.0
    event_class_weights: list[float] | None = None
    classifier_dropout: float | None = None
    # How raw text becomes model input (see rasd.text.normalize.build_normalizer); stored so that
    # prediction always preprocesses exactly as training did.
    preprocessing: dict[str, Any] | None = None
    label_schema: dict[str, Any] | None = None
    max_length: int = 256
    stride: int = 32
    # What the event head reads: the first token ("cls", BERT's convention) or the mean of the
    # tokens (what encoders trained with mean pooling, such as e5, put their sentence meaning in).
    event_pooling: str = "cls"
    # Which sub-tokens speak for a word: the first; the mean of the word's sub-token logits (equal to
    # the linear slot head on the mean of their states); or "all", trained on every sub-token and
    # read from the first.
    word_pooling: str = "first"

    def __post_init__(self, **kwargs: Any) -> None:
        super().__post_init__(**kwargs)
        if self.task not in TASKS:
            raise ValueError(f"task must be one of {TASKS}, got {self.task!r}")
        if self.event_pooling not in EVENT_POOLING:
            raise ValueError(f"event_pooling must be one of {EVENT_POOLING}, got {self.event_pooling!r}")
        if self.word_pooling not in WORD_POOLING:
            raise ValueError(f"word_pooling must be one of {WORD_POOLING}, got {self.word_pooling!r}")
        if self.stride < 0 or self.stride >= self.max_length - 2:
            raise ValueError(f"stride ({self.stride}) must be >= 0 and smaller than max_length - 2 ({self.max_length - 2})")

    @property
    def slot_labels(self) -> list[str]:
        return [self.id2label[i] for i in range(len(self.id2label))] if self.id2label else []

    @property
    def has_slot_head(self) -> bool:
        return self.task in ("joint", "slots") and bool(self.id2label)

    @property
    def has_event_head(self) -> bool:
        return self.task in ("joint", "events") and bool(self.event_labels)
