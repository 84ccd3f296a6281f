"""`rasd train`: fine-tune the joint model with the Hugging Face Trainer.

Flow: config -> records (any importable format) -> label schema -> encoder (pretrained
or compact) -> window features -> Trainer -> best checkpoint saved as one
``save_pretrained`` directory with tokenizer, schema, resolved config and model card.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from rasd.data.records import Record
from rasd.data.schema import LabelSchema
from rasd.data.validation import check_record
from rasd.errors import DataError, ModelLoadError
from rasd.models.configuration import RasdConfig
from rasd.models.encoders import NAMED_ENCODERS, is_named_encoder, resolve_encoder
from rasd.models.hub import check_model_source
from rasd.models.modeling import RasdModel, encoder_from_pretrained
from rasd.models.preprocessing import explain_preprocessing
from rasd.text.normalize import build_normalizer
from rasd.training.card import CardCallback, CardData
from rasd.training.config import TRAINER_DEFAULTS, RasdTrainingConfig, load_config
from rasd.training.features import JointCollator, LabelMaps, balanced_event_weights, build_rows

logger = logging.getLogger(__name__)

SCHEMA_FILE = "label_schema.yaml"
TRAINING_CONFIG_FILE = "training_config.yaml"
TRAINING_ARGS_FILE = "training_args.json"


@dataclass
class TrainResult:
    output_dir: Path
    best_epoch: float | None
    dev_metrics: dict[str, float] = field(default_factory=dict)
    test_metrics: dict[str, float] = field(default_factory=dict)
    train_sentences: int = 0
    dev_sentences: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"output_dir": str(self.output_dir), "best_epoch": self.best_epoch, "dev": self.dev_metrics,
                "test": self.test_metrics, "train_sentences": self.train_sentences,
                "dev_sentences": self.dev_sentences}


def load_records(path: str | Path, fmt: str | None) -> list[Record]:
    from rasd.data.formats import read_records

    return list(read_records(path, fmt))


def hold_out_documents(records: list[Record], fraction: float) -> tuple[list[Record], list[Record]]:
    """The last ``fraction`` of documents (in file order) as dev: no document is split, nothing is shuffled
    so that adjacent, related documents stay on one side as far as the file order allows."""
    docs: list[str] = []
    for r in records:
        if not docs or docs[-1] != r.document:
            if r.document not in docs:
                docs.append(r.document)
    n_dev = max(1, round(len(docs) * fraction))
    if n_dev >= len(docs):
        raise DataError(f"cannot hold out {fraction:.0%} of {len(docs)} document(s) and keep any for training; "
                        "add data or set validation_file")
    dev_docs = set(docs[-n_dev:])
    return [r for r in records if r.document not in dev_docs], [r for r in records if r.document in dev_docs]


def resolve_schema(spec: str, records: list[Record]) -> LabelSchema:
    return LabelSchema.infer(records) if spec == "infer" else LabelSchema.load(spec)


def check_against_schema(records: list[Record], schema: LabelSchema, source: str) -> None:
    for r in records:
        problems = check_record(r, schema)
        if problems:
            raise DataError(f"record {r.id!r}: {problems[0]}" + (f" (+{len(problems) - 1} more)" if len(problems) > 1 else "")
                            + "; run `rasd validate` on the file for the full list", path=source)


def prepare_encoder(cfg: RasdTrainingConfig, train_records: list[Record], normalizer) -> str:
    """Where to load the encoder from: the configured name/path, or a freshly built compact BERT."""
    if cfg.compact_encoder is None:
        source = resolve_encoder(cfg.model_name_or_path)  # a named encoder becomes its built folder
        check_model_source(source)
        return source
    from rasd.training.compact import build_compact_encoder

    init_dir = cfg.output_dir / "encoder-init"
    if (init_dir / "config.json").is_file():
        return str(init_dir)
    seed = int(cfg.training.get("seed", 42))
    return str(build_compact_encoder((r.text for r in train_records), cfg.compact_encoder, normalizer, init_dir, seed=seed))


def build_model(cfg: RasdTrainingConfig, encoder_source: str, schema: LabelSchema, maps: LabelMaps,
                preprocessing: dict[str, Any], class_weights: list[float] | None) -> RasdModel:
    try:
        encoder, pooler_dense = encoder_from_pretrained(encoder_source)
    except OSError as e:
        raise ModelLoadError(f"cannot load encoder from {encoder_source!r}: {str(e).splitlines()[0]}") from None
    slot_map = maps.slot_label2id or {}
    config = RasdConfig(
        encoder=encoder.config,
        task=cfg.task,
        id2label={i: t for t, i in slot_map.items()} or None,
        label2id=dict(slot_map) or None,
        event_labels=list(maps.event_label2id) if maps.event_label2id else None,
        multi_label=maps.multi_label,
        slot_loss_weight=cfg.slot_loss_weight,
        event_loss_weight=cfg.event_loss_weight,
        event_class_weights=class_weights,
        classifier_dropout=cfg.classifier_dropout,
        preprocessing=preprocessing,
        label_schema=schema.to_dict(),
        max_length=cfg.max_length,
        stride=cfg.stride,
        event_pooling=cfg.event_pooling,
        word_pooling=cfg.word_pooling,
    )
    model = RasdModel(config, encoder=encoder)
    if pooler_dense is not None and model.event_head is not None and cfg.event_pooling == "cls":
        model.event_head.dense.load_state_dict(pooler_dense.state_dict())
    return model


def event_weights(cfg: RasdTrainingConfig, records: list[Record], labels: list[str]) -> list[float] | None:
    spec = cfg.event_class_weights
    if spec in (None, False, "none"):
        return None
    if spec == "balanced":
        return balanced_event_weights(records, labels)
    if isinstance(spec, dict):
        unknown = set(spec) - set(labels)
        if unknown:
            raise DataError(f"event_class_weights names unknown event type(s) {sorted(unknown)}")
        return [float(spec.get(label, 1.0)) for label in labels]
    raise DataError(f"event_class_weights must be null, 'balanced' or a mapping; got {spec!r}")


def train(config: RasdTrainingConfig | str | Path, *, overrides: list[str] | None = None,
          resume: bool = False) -> TrainResult:
    """Train and save a model; returns where it is and its best dev (and test) metrics.

    The config is checked whole and output_dir vetted (see :func:`check_output_dir`) before anything
    is written; a run that fails removes the encoder-init folder it built (and output_dir when it
    created it and left it empty), so a failed run leaves the folder as it found it.
    """
    import shutil

    cfg = config if isinstance(config, RasdTrainingConfig) else load_config(config, overrides)
    check_output_dir(cfg, resume=resume)
    out_existed = cfg.output_dir.exists()
    init_existed = (cfg.output_dir / "encoder-init").exists()
    try:
        return _train(cfg, resume=resume)
    except BaseException:
        if not init_existed:
            shutil.rmtree(cfg.output_dir / "encoder-init", ignore_errors=True)
        if not out_existed and cfg.output_dir.is_dir() and not any(cfg.output_dir.iterdir()):
            cfg.output_dir.rmdir()
        raise


def check_output_dir(cfg: RasdTrainingConfig, *, resume: bool) -> None:
    """Refuse an output_dir that is a file, lies inside another model folder or holds a trained model
    (unless ``overwrite_output_dir: true`` or ``--resume``)."""
    from rasd.errors import ConfigError
    from rasd.safe_io import guard_output, holds_model

    out = cfg.output_dir
    if out.exists() and not out.is_dir():
        raise ConfigError(f"output_dir {out} is a file; give a folder (where the trained model is written)")
    inputs = [f for f in (cfg.train_file, cfg.validation_file, cfg.test_file) if f]
    guard_output(out, [*inputs, cfg.model_name_or_path if cfg.model_name_or_path and Path(cfg.model_name_or_path).is_dir()
                       else None], what="output_dir", folder=True, own_target=out)
    if holds_model(out) and not resume and not cfg.overwrite_output_dir:
        raise ConfigError(f"output_dir {out} already holds a trained model; set overwrite_output_dir=true to replace "
                          "it, --resume to continue its training, or choose another output_dir")


def _train(cfg: RasdTrainingConfig, *, resume: bool) -> TrainResult:
    import datasets
    import torch
    from transformers import AutoTokenizer, EarlyStoppingCallback, TrainingArguments, set_seed

    from rasd.training.trainer import RasdTrainer, make_compute_metrics

    set_seed(int(cfg.training.get("seed", 42)))

    train_records = load_records(cfg.train_file, cfg.data_format)
    if cfg.validation_file:
        dev_records = load_records(cfg.validation_file, cfg.data_format)
    else:
        train_records, dev_records = hold_out_documents(train_records, cfg.validation_fraction)
    test_records = load_records(cfg.test_file, cfg.data_format) if cfg.test_file else []
    if not train_records:
        raise DataError("no training records", path=cfg.train_file)

    schema = resolve_schema(cfg.label_schema, train_records + dev_records)
    for records, source in ((train_records, cfg.train_file), (dev_records, cfg.validation_file or cfg.train_file),
                            (test_records, cfg.test_file or "")):
        check_against_schema(records, schema, source)
    multi = schema.multi_label or any(isinstance(r.event_type, list) for r in train_records)
    if cfg.task in ("joint", "events"):
        missing = next((r for r in train_records if not r.event_labels), None)
        if missing is not None:
            raise DataError(f"record {missing.id!r} has no event_type, which task {cfg.task!r} needs "
                            "(use task: slots for data without event types)", path=cfg.train_file)
    maps = LabelMaps.build(schema, cfg.task, multi_label=multi)

    label_names = {"joint": ["labels", "event_labels"], "slots": ["labels"], "events": ["event_labels"]}[cfg.task]
    # Pinned memory only helps a copy to an accelerator; without one the DataLoader just warns.
    pin = {"dataloader_pin_memory": torch.cuda.is_available() or torch.backends.mps.is_available()}
    args = TrainingArguments(**{**TRAINER_DEFAULTS, **pin, "label_names": label_names, **cfg.training})

    preprocessing, why = explain_preprocessing(cfg.preprocessing, cfg.model_name_or_path)
    normalizer = build_normalizer(preprocessing)
    with args.main_process_first(desc="building the encoder"):  # one process builds; the others load it
        encoder_source = prepare_encoder(cfg, train_records, normalizer)
    logger.info("%s", why)  # once the encoder is found, so that a missing one stays a one-line error
    try:
        tokenizer = AutoTokenizer.from_pretrained(encoder_source)
    except OSError as e:
        raise ModelLoadError(f"cannot load tokenizer from {encoder_source!r}: {str(e).splitlines()[0]}") from None
    class_weights = event_weights(cfg, train_records, list(maps.event_label2id)) if maps.event_label2id else None
    model = build_model(cfg, encoder_source, schema, maps, preprocessing, class_weights)

    def rows(records: list[Record], for_eval: bool) -> datasets.Dataset:
        built, stats = build_rows(records, tokenizer, normalizer, maps, max_length=cfg.max_length,
                                  stride=cfg.stride, for_eval=for_eval, word_pooling=cfg.word_pooling)
        if stats.unaligned_spans:
            logger.warning("%d span(s) cover no word after preprocessing and are trained as O",
                           stats.unaligned_spans)
        return datasets.Dataset.from_list(built)

    train_ds, dev_ds = rows(train_records, False), rows(dev_records, True)

    card = CardData(
        base_model=cfg.model_name_or_path or f"compact BERT ({cfg.compact_encoder})",
        task=cfg.task, schema_name=schema.name, event_labels=model.config.event_labels or [],
        slot_types=schema.slot_types if model.config.has_slot_head else [], preprocessing=preprocessing,
        train_file=str(cfg.train_file),
        validation=f"`{cfg.validation_file}`" if cfg.validation_file else
        f"last {cfg.validation_fraction:.0%} of the documents of `{cfg.train_file}`",
        train_sentences=len(train_records), dev_sentences=len(dev_records),
        encoder_type=model.config.encoder.model_type.upper(),
        encoder_note=NAMED_ENCODERS[cfg.model_name_or_path].provenance if is_named_encoder(cfg.model_name_or_path) else "",
        recipe=f"event pooling `{cfg.event_pooling}`, word pooling `{cfg.word_pooling}`, learning rate "
               f"{args.learning_rate:g} (heads {cfg.head_learning_rate or args.learning_rate:g}, layer-wise decay "
               f"{cfg.layerwise_lr_decay:g}), {args.num_train_epochs:g} epochs at most",
    )
    callbacks = [CardCallback(card)]
    if cfg.early_stopping_patience and args.load_best_model_at_end:
        callbacks.append(EarlyStoppingCallback(early_stopping_patience=cfg.early_stopping_patience))
    trainer = RasdTrainer(
        model=model, args=args, train_dataset=train_ds, eval_dataset=dev_ds,
        data_collator=JointCollator(pad_token_id=tokenizer.pad_token_id or 0),
        processing_class=tokenizer,
        compute_metrics=make_compute_metrics(model.config, slot_weight=cfg.selection_slot_weight),
        callbacks=callbacks,
        head_learning_rate=cfg.head_learning_rate,
        layerwise_lr_decay=cfg.layerwise_lr_decay,
    )
    trainer.train(resume_from_checkpoint=True if resume else None)
    if not card.dev_metrics:
        card.dev_metrics = {k.removeprefix("eval_"): float(v) for k, v in trainer.evaluate().items()
                            if isinstance(v, int | float)}
    if test_records:
        trainer.remove_callback(EarlyStoppingCallback)  # it would warn that test metrics lack eval_combined
        test_metrics = trainer.evaluate(rows(test_records, True), metric_key_prefix="test")
        card.test_metrics = {k.removeprefix("test_"): float(v) for k, v in test_metrics.items()
                             if isinstance(v, int | float)}
    if trainer.is_world_process_zero():
        save_trained(trainer.model, tokenizer, schema, cfg, args, card)
        trainer.state.save_to_json(str(cfg.output_dir / "trainer_state.json"))
    return TrainResult(cfg.output_dir, card.best_epoch, card.dev_metrics, card.test_metrics,
                       len(train_records), len(dev_records))


def save_trained(model: RasdModel, tokenizer, schema: LabelSchema, cfg: RasdTrainingConfig, args, card: CardData) -> None:
    """Everything needed to predict, and to know how the model was made, in one directory."""
    out = cfg.output_dir
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    schema.save(out / SCHEMA_FILE)
    (out / TRAINING_CONFIG_FILE).write_text(
        yaml.safe_dump(json.loads(json.dumps(cfg.to_dict(), default=str)), allow_unicode=True, sort_keys=False),
        encoding="utf-8",
    )
    (out / TRAINING_ARGS_FILE).write_text(args.to_json_string(), encoding="utf-8")
    (out / "README.md").write_text(card.render(str(out)), encoding="utf-8")
