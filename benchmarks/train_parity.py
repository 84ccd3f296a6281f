#!/usr/bin/env python
"""Training parity: `rasd train --task slots` against the plain transformers NER recipe.

Both train the SAME small encoder (one compact BERT per seed, same initial weights), on the same
ANERcorp train/dev split, with the same seed, epochs, batch size and learning rate. A single run
of a small model trained from scratch moves by 1-2 F1 points with the seed, so compare means over
several seeds (`--seeds 42,43,44`).
The baseline is the recipe of transformers' `run_ner.py`: `AutoModelForTokenClassification`,
labels on the first sub-token, `DataCollatorForTokenClassification`, `Trainer`.
Both are scored with the same code: exact-match entity P/R/F1 on character spans of the dev
set (equivalent to seqeval strict IOB2), so tokenization differences cannot flatter either.

Prints a table with both F1s and wall times. Target: rasd within 1 F1 point and not slower.
Reads ../shared/data/anercorp-train at run time (exits with a message when it is absent).

    python benchmarks/train_parity.py [--epochs 3] [--seeds 42,43,44] [--limit 0] [--output-dir runs/parity]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

REPO = Path(__file__).resolve().parents[1]
ANERCORP = REPO.parent / "shared" / "data" / "anercorp-train" / "ANERCorp_train_derived_from_cleaned.tsv"


def char_spans(records, tags_per_record):
    """(record index, start, end, label) for IOB2 word tags over whitespace-joined tokens."""
    from rasd.data.tagging import tags_to_spans

    out = set()
    for i, (record, tags) in enumerate(zip(records, tags_per_record, strict=True)):
        offsets, pos = [], 0
        for token in record.meta["tokens"]:
            offsets.append((pos, pos + len(token)))
            pos += len(token) + 1
        for start_w, end_w, label in tags_to_spans(tags):
            out.add((i, offsets[start_w][0], offsets[end_w - 1][1], label))
    return out


def prf(gold: set, pred: set) -> dict[str, float]:
    tp = len(gold & pred)
    p = tp / len(pred) if pred else 0.0
    r = tp / len(gold) if gold else 0.0
    return {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0}


def load_split(limit: int):
    from rasd.data.formats import read_records
    from rasd.data.formats.base import ReadStats

    records = list(read_records(ANERCORP, "conll", stats=ReadStats(on_notice=lambda n: None)))
    if limit:
        records = records[:limit]
    for r in records:  # CoNLL text is the tokens joined by single spaces
        r.meta["tokens"] = r.text.split(" ")
    n_dev = round(len(records) * 0.1)  # the last 10% of documents (ANERcorp has no document markers)
    return records[:-n_dev], records[-n_dev:]


def run_baseline(encoder_dir: Path, train, dev, labels, args, out: Path) -> tuple[set, float]:
    """transformers' run_ner.py recipe, reduced to its essentials."""
    import datasets
    import numpy as np
    from transformers import (
        AutoModelForTokenClassification,
        AutoTokenizer,
        DataCollatorForTokenClassification,
        Trainer,
        TrainingArguments,
        set_seed,
    )

    from rasd.data.tagging import spans_to_tags

    set_seed(args.seed)
    tok = AutoTokenizer.from_pretrained(encoder_dir)
    label2id = {label: i for i, label in enumerate(labels)}

    def word_tags(record):
        offsets, pos = [], 0
        for token in record.meta["tokens"]:
            offsets.append((pos, pos + len(token)))
            pos += len(token) + 1
        return spans_to_tags(offsets, [(s.start, s.end, s.label) for s in record.spans])

    def encode(records, with_labels=True):
        enc = tok([r.meta["tokens"] for r in records], is_split_into_words=True, truncation=True,
                  max_length=args.max_length)
        rows = []
        for i, r in enumerate(records):
            tags = word_tags(r)
            word_ids, prev, labels_row = enc.word_ids(i), None, []
            for w in word_ids:
                labels_row.append(-100 if w is None or w == prev else label2id[tags[w]])
                prev = w
            rows.append({"input_ids": enc["input_ids"][i], "attention_mask": enc["attention_mask"][i],
                         "labels": labels_row})
        return datasets.Dataset.from_list(rows)

    model = AutoModelForTokenClassification.from_pretrained(
        encoder_dir, num_labels=len(labels), id2label=dict(enumerate(labels)), label2id=label2id)
    training_args = TrainingArguments(
        output_dir=str(out), num_train_epochs=args.epochs, learning_rate=args.lr, seed=args.seed,
        per_device_train_batch_size=args.batch_size, per_device_eval_batch_size=64, warmup_steps=args.warmup,
        weight_decay=0.01, eval_strategy="no", save_strategy="no", report_to="none", logging_strategy="epoch",
        dataloader_pin_memory=False, disable_tqdm=True,
    )
    train_ds, dev_ds = encode(train), encode(dev)
    start = time.perf_counter()
    trainer = Trainer(model=model, args=training_args, train_dataset=train_ds,
                      data_collator=DataCollatorForTokenClassification(tok), processing_class=tok)
    trainer.train()
    elapsed = time.perf_counter() - start
    logits = trainer.predict(dev_ds).predictions
    pred_tags = []
    for i, r in enumerate(dev):
        best = np.asarray(logits[i]).argmax(-1)
        enc_ids = tok(r.meta["tokens"], is_split_into_words=True, truncation=True, max_length=args.max_length)
        tags, prev = ["O"] * len(r.meta["tokens"]), None
        for pos, w in enumerate(enc_ids.word_ids()):
            if w is not None and w != prev:
                tags[w] = labels[int(best[pos])]
            prev = w
        pred_tags.append(_repair(tags))
    return char_spans(dev, pred_tags), elapsed


def _repair(tags):
    """A stray I-X after O or another type begins a chunk, as conlleval and rasd's decoder read it."""
    out, prev = [], "O"
    for t in tags:
        if t.startswith("I-") and prev[2:] != t[2:]:
            t = "B-" + t[2:]
        out.append(t)
        prev = t
    return out


def run_rasd(encoder_dir: Path, train_path: Path, dev_path: Path, dev, args, out: Path) -> tuple[set, float]:
    from rasd import Extractor
    from rasd.training.config import config_from_dict
    from rasd.training.train import train

    cfg = config_from_dict({
        "model_name_or_path": str(encoder_dir), "task": "slots", "train_file": str(train_path),
        "validation_file": str(dev_path), "data_format": "jsonl", "label_schema": "infer",
        "preprocessing": "none", "max_length": args.max_length, "stride": 32, "early_stopping_patience": None,
        "output_dir": str(out), "num_train_epochs": args.epochs, "learning_rate": args.lr, "seed": args.seed,
        "per_device_train_batch_size": args.batch_size, "per_device_eval_batch_size": 64,
        "warmup_steps": args.warmup, "weight_decay": 0.01, "eval_strategy": "no", "save_strategy": "no",
        "load_best_model_at_end": False, "logging_strategy": "epoch", "dataloader_pin_memory": False,
        "disable_tqdm": True,
    })
    start = time.perf_counter()
    train(cfg)
    elapsed = time.perf_counter() - start
    ex = Extractor.from_pretrained(out, device="cpu" if args.device == "cpu" else "auto")
    preds = ex.predict_sentences([r.text for r in dev])
    spans = {(i, s.start, s.end, s.label) for i, p in enumerate(preds) for s in p.slots}
    return spans, elapsed


def report(runs, gold: set, args, n_train: int, n_dev: int) -> str:
    from statistics import mean, stdev

    def spread(values: list[float]) -> str:
        return f"{mean(values):.4f}" + (f" +- {stdev(values):.4f}" if len(values) > 1 else "")

    lines = [f"\nANERcorp train ({n_train} sentences) / dev = last 10% ({n_dev} sentences, {len(gold)} entities); "
             f"compact BERT 4 x 256, vocab 8k; {args.epochs} epochs, lr {args.lr}, batch {args.batch_size}, "
             f"seeds {args.seeds}",
             f"{'recipe':<34} {'seed':>5} {'P':>7} {'R':>7} {'F1':>7} {'train s':>9}"]
    f1 = {"base": [], "rasd": []}
    times = {"base": [], "rasd": []}
    for seed, base_pred, base_time, rasd_pred, rasd_time in runs:
        for key, name, pred, t in (("base", "transformers run_ner (baseline)", base_pred, base_time),
                                   ("rasd", "rasd train --task slots", rasd_pred, rasd_time)):
            m = prf(gold, pred)
            f1[key].append(m["f1"])
            times[key].append(t)
            lines.append(f"{name:<34} {seed:>5} {m['precision']:7.4f} {m['recall']:7.4f} {m['f1']:7.4f} {t:9.1f}")
    lines += [f"\nF1 over {len(runs)} seed(s): baseline {spread(f1['base'])}, rasd {spread(f1['rasd'])}",
              f"difference (rasd - baseline): F1 {100 * (mean(f1['rasd']) - mean(f1['base'])):+.2f} points "
              f"(mean), time x{sum(times['rasd']) / sum(times['base']):.2f}",
              "target: rasd within 1 F1 point of the baseline and not slower",
              f"\nper type, dev strict (exact span and label) F1, mean over seeds:\n"
              f"{'type':<8} {'support':>8} {'baseline':>9} {'rasd':>7}"]
    for label in sorted({g[3] for g in gold}):
        gl = {g for g in gold if g[3] == label}
        per = {key: mean(prf(gl, {p for p in run[idx] if p[3] == label})["f1"] for run in runs)
               for key, idx in (("base", 1), ("rasd", 3))}
        lines.append(f"{label:<8} {len(gl):>8} {per['base']:>9.4f} {per['rasd']:>7.4f}")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--lr", type=float, default=5e-4)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--warmup", type=int, default=100)
    ap.add_argument("--max-length", type=int, default=128)
    ap.add_argument("--seeds", default="42", help="comma-separated; with several, F1 is reported as mean +- sd "
                    "(single runs of a small model trained from scratch vary by 1-2 F1 points)")
    ap.add_argument("--limit", type=int, default=0, help="use only the first N sentences (quick runs)")
    ap.add_argument("--device", default="auto", help="cpu or auto")
    ap.add_argument("--output-dir", default=None)
    args = ap.parse_args(argv)
    if not ANERCORP.is_file():
        print(f"skipped: {ANERCORP} is absent (the real data sits in ../shared/data beside the checkout)")
        return 0
    if args.device == "cpu":
        os.environ["CUDA_VISIBLE_DEVICES"] = ""

    from rasd.data.formats.jsonl import write_jsonl
    from rasd.data.schema import LabelSchema
    from rasd.text.normalize import build_normalizer
    from rasd.training.compact import build_compact_encoder
    from rasd.training.config import CompactEncoderConfig

    work = Path(args.output_dir or tempfile.mkdtemp(prefix="rasd-parity-"))
    work.mkdir(parents=True, exist_ok=True)
    train_records, dev_records = load_split(args.limit)
    train_path, dev_path = work / "train.jsonl", work / "dev.jsonl"
    for path, recs in ((train_path, train_records), (dev_path, dev_records)):
        write_jsonl([type(r)(id=r.id, text=r.text, doc_id=r.doc_id, spans=r.spans) for r in recs], path)
    schema = LabelSchema.infer(train_records + dev_records)
    gold = {(i, s.start, s.end, s.label) for i, r in enumerate(dev_records) for s in r.spans}
    seeds = [int(x) for x in args.seeds.split(",")]
    runs = []  # (seed, baseline spans, baseline s, rasd spans, rasd s)
    for seed in seeds:  # one encoder per seed (its initial weights follow the seed), shared by both recipes
        args.seed = seed
        encoder_dir = build_compact_encoder((r.text for r in train_records), CompactEncoderConfig(vocab_size=8000),
                                            build_normalizer({"kind": "none"}), work / f"encoder-{seed}", seed=seed)
        base_pred, base_time = run_baseline(encoder_dir, train_records, dev_records, schema.bio_labels, args,
                                            work / f"baseline-{seed}")
        rasd_pred, rasd_time = run_rasd(encoder_dir, train_path, dev_path, dev_records, args, work / f"rasd-{seed}")
        runs.append((seed, base_pred, base_time, rasd_pred, rasd_time))
    print(report(runs, gold, args, len(train_records), len(dev_records)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
