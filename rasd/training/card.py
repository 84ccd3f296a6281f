"""The model card: a dataclass filled during training, rendered to README.md beside the weights."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

from transformers import TrainerCallback

TEMPLATE = """---
library_name: transformers
pipeline_tag: token-classification
language: ar
tags: [rasd, arabic, event-extraction, token-classification, text-classification, acled]
base_model: {base_model}
---

# {title}

A **rasd** joint model: one {encoder_type} encoder pass gives each sentence an event type
(sequence classification) and its incident slots (token classification, IOB2).

| | |
|---|---|
| base model | `{base_model}` {encoder_note}|
| recipe | {recipe} |
| task | `{task}` |
| label schema | `{schema_name}` |
| event types | {event_labels} |
| slot types | {slot_types} |
| preprocessing | `{preprocessing}` |
| training data | `{train_file}` ({train_sentences} sentences) |
| validation data | {validation} ({dev_sentences} sentences) |
| best epoch | {best_epoch} |

## Metrics

Slot F1 is seqeval strict IOB2 micro-F1; event F1 is macro-F1 (scikit-learn). Window-level
scores from training; `rasd evaluate MODEL DATA` gives the full sentence-level report.

{metrics_table}

## Use

```python
from rasd import Extractor
ex = Extractor.from_pretrained("{model_path}")
ex.predict(["استهدفت طائرة مسيرة القاعدة الأمريكية في حقل العمر بريف دير الزور أمس."])
```
or `rasd predict {model_path} news.jsonl -o predictions.jsonl`.

## Intended use and limits

Built for Arabic news reports of security incidents (rocket, drone, mortar attacks, clashes,
IEDs) in Syria, Iraq, Yemen and Lebanon, to help analysts triage and code events. It is not a
source of truth: check extracted incidents against the text. Expect lower quality on dialect,
social media, other regions, and on event types rare in the training data. The shipped corpus
is small and written by the rasd developers in the style of real reports; a compact model
trained on it is a demonstration, not a production extractor.
"""


@dataclass
class CardData:
    base_model: str
    task: str
    schema_name: str
    event_labels: list[str]
    slot_types: list[str]
    preprocessing: dict[str, Any]
    train_file: str
    validation: str
    train_sentences: int = 0
    dev_sentences: int = 0
    encoder_type: str = "BERT"
    encoder_note: str = ""
    recipe: str = ""
    best_epoch: float | None = None
    dev_metrics: dict[str, float] = field(default_factory=dict)
    test_metrics: dict[str, float] = field(default_factory=dict)

    def render(self, model_path: str) -> str:
        keys = sorted({k for k in (*self.dev_metrics, *self.test_metrics) if not k.endswith(("runtime", "per_second"))})
        rows = ["| metric | dev | test |", "|---|---|---|"]
        for k in keys:
            dev, test = self.dev_metrics.get(k), self.test_metrics.get(k)
            rows.append(f"| {k} | {'' if dev is None else f'{dev:.4f}'} | {'' if test is None else f'{test:.4f}'} |")
        return TEMPLATE.format(
            title=f"rasd {self.task} model on {self.base_model}",
            metrics_table="\n".join(rows) if keys else "(no evaluation ran)",
            model_path=model_path,
            event_labels=", ".join(f"`{e}`" for e in self.event_labels) or "(events head off)",
            slot_types=", ".join(f"`{s}`" for s in self.slot_types) or "(slots head off)",
            preprocessing=json.dumps(self.preprocessing, ensure_ascii=False),
            **{k: v for k, v in asdict(self).items() if k not in ("event_labels", "slot_types", "preprocessing")},
        )


class CardCallback(TrainerCallback):
    """Keeps the best dev metrics seen so far in the card data."""

    def __init__(self, card: CardData, metric: str = "eval_combined") -> None:
        self.card = card
        self.metric = metric
        self._best: float | None = None

    def on_evaluate(self, args, state, control, metrics=None, **kwargs):  # noqa: ANN001 - Trainer signature
        if not metrics or self.metric not in metrics:
            return
        if self._best is None or metrics[self.metric] > self._best:
            self._best = metrics[self.metric]
            self.card.best_epoch = state.epoch
            self.card.dev_metrics = {k.removeprefix("eval_"): float(v) for k, v in metrics.items()
                                     if isinstance(v, int | float) and k != "epoch"}
