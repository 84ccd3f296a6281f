#!/usr/bin/env python
"""Inference throughput (issue #6): rasd against the transformers pipelines a user would write.

Reads N real news articles (SaudiNewsNet, ../shared/data/saudinewsnet/dataset/*.zip), splits them
into sentences, and scores them with the same model four ways, each in a fresh subprocess (so
that peak RSS is per configuration):

  (a) baseline   `pipeline("token-classification", aggregation_strategy="simple", batch_size=32)` and
                 `pipeline("text-classification", batch_size=32)` on the `rasd export --to hf-heads`
                 checkpoints, over the same sentences (normalized as rasd does): two encoder passes
  (b) rasd fp32  the Extractor (what `rasd predict` runs): one pass, length-sorted batches
  (c) rasd bf16  the same with bf16 autocast (CPUs with AVX512-BF16/AMX, or CUDA)
  (d) onnx int8  the Extractor on `rasd export --to onnx --quantize int8` (CPU only)

Each configuration is timed from documents to labels (sentence splitting, normalization,
tokenization, model, decoding), after loading and a short warm-up. The table gives sentences/s,
tokens/s (sub-word tokens of the sentences), peak RSS, the speed-up over (a), and how far each
agrees with (b): event-type agreement per sentence and slot F1 on (label, start, end) spans.

Without --model, the model is BERT-base-shaped with RANDOM weights (vocabulary: WordPiece trained
on the dump): fine for speed, meaningless for agreement. Pass a trained model for that, e.g.
`rasd train configs/compact.yaml` then `--model runs/compact`.

    python benchmarks/throughput.py [--docs 300] [--model DIR] [--device cpu|cuda] [--json out.json]
    python benchmarks/throughput.py --docs 3000 --compare-rss out.json   # peak RSS vs an earlier run
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
DUMP = DATA / "saudinewsnet" / "dataset"
VOCAB_DOCS = 3000  # documents the random model's WordPiece vocabulary is trained on, whatever --docs is

CONFIGS = {
    "a": "(a) pipelines fp32",
    "b": "(b) rasd fp32",
    "c": "(c) rasd bf16",
    "d": "(d) rasd onnx int8",
}
TARGETS = "targets: (b) >= 2.5x (a) with identical labels; (d) >= 8x (a) with slot agreement >= 0.98 " \
          "(trained model); peak RSS at 3,000 documents within 15% of 300"


# --- data ----------------------------------------------------------------------------------------

def read_articles(limit: int) -> list[str]:
    """The ``content`` of the first ``limit`` non-empty articles, in file order."""
    texts: list[str] = []
    for path in sorted(DUMP.glob("*.zip")):
        with zipfile.ZipFile(path) as z:
            for name in z.namelist():
                texts += [a["content"] for a in json.loads(z.read(name)) if (a.get("content") or "").strip()]
        if len(texts) >= limit:
            break
    return texts[:limit]


def read_docs(work: Path) -> Iterator[str]:
    with (work / "docs.jsonl").open(encoding="utf-8") as f:
        for line in f:
            yield json.loads(line)


def sentences_of(texts, normalizer) -> Iterator[tuple[int, int, int, object]]:
    """(document, start, end, normalized text) for every sentence that has a word."""
    from rasd.text.sentences import split_sentences

    for d, text in enumerate(texts):
        for s, e in split_sentences(text):
            norm = normalizer(text[s:e])
            if norm.text.strip():
                yield d, s, e, norm


# --- preparing the model and its exports (not timed) --------------------------------------------

def build_random_model(out: Path) -> Path:
    """A BERT-base-shaped RasdModel with random weights and the default label schema; no downloads."""
    from transformers import AutoTokenizer

    from rasd.data.schema import LabelSchema
    from rasd.models.configuration import RasdConfig
    from rasd.models.modeling import RasdModel, encoder_from_pretrained
    from rasd.text.normalize import build_normalizer
    from rasd.training.compact import build_compact_encoder
    from rasd.training.config import CompactEncoderConfig
    from rasd.training.features import LabelMaps

    base = CompactEncoderConfig(vocab_size=30000, hidden_size=768, num_hidden_layers=12, num_attention_heads=12,
                                intermediate_size=3072, max_position_embeddings=512, min_frequency=2)
    preprocessing = {"kind": "basic"}
    encoder_dir = build_compact_encoder(read_articles(VOCAB_DOCS), base, build_normalizer(preprocessing),
                                        out / "encoder-init", seed=0)
    encoder, _ = encoder_from_pretrained(str(encoder_dir))
    schema = LabelSchema.default()
    maps = LabelMaps.build(schema, "joint", multi_label=False)
    config = RasdConfig(encoder=encoder.config, task="joint", id2label={i: t for t, i in maps.slot_label2id.items()},
                        label2id=dict(maps.slot_label2id), event_labels=list(maps.event_label2id),
                        preprocessing=preprocessing, label_schema=schema.to_dict())
    model_dir = out / "model"
    AutoTokenizer.from_pretrained(encoder_dir).save_pretrained(model_dir)
    RasdModel(config, encoder=encoder).save_pretrained(model_dir)  # last: its config.json marks a complete build
    shutil.rmtree(encoder_dir)
    return model_dir


def prepare(args: argparse.Namespace, work: Path, configs: list[str]) -> dict[str, str]:
    from rasd.inference.onnx_backend import MODEL_FILE, export_onnx
    from rasd.models.export import SEQUENCE_DIR, export_hf_heads

    with (work / "docs.jsonl").open("w", encoding="utf-8") as f:
        for text in read_articles(args.docs):
            f.write(json.dumps(text, ensure_ascii=False) + "\n")
    # What a kept --work folder already holds is reused (a random model is rebuilt only without --model).
    model = Path(args.model).resolve() if args.model else work / "model"
    if not args.model and not (model / "config.json").is_file():
        build_random_model(work)
    before = json.loads((work / "paths.json").read_text()) if (work / "paths.json").is_file() else {}
    reuse = before.get("model") == str(model)
    paths = {"model": str(model)}
    if "a" in configs:
        hf = work / "hf-heads"
        paths["hf"] = str(hf if reuse and (hf / SEQUENCE_DIR).is_dir() else export_hf_heads(model, hf, approximate=True))
    if "d" in configs:
        onnx = work / "onnx-int8"
        paths["onnx"] = str(onnx if reuse and (onnx / MODEL_FILE).is_file() else export_onnx(model, onnx, quantize="int8"))
    (work / "paths.json").write_text(json.dumps({**before, **paths}))
    return paths


# --- one configuration, in its own process ------------------------------------------------------

def run_pipelines(paths: dict[str, str], device: str, batch_size: int, texts, out) -> int:
    """(a): what a user writes with the two exported checkpoints."""
    from transformers import pipeline

    from rasd.inference.loading import load_config
    from rasd.models.export import SEQUENCE_DIR, TOKEN_DIR
    from rasd.text.normalize import build_normalizer

    normalizer = build_normalizer(load_config(paths["model"]).preprocessing)
    dev = 0 if device == "cuda" else -1
    tagger = pipeline("token-classification", model=str(Path(paths["hf"]) / TOKEN_DIR),
                      aggregation_strategy="simple", batch_size=batch_size, device=dev)
    classifier = pipeline("text-classification", model=str(Path(paths["hf"]) / SEQUENCE_DIR),
                          batch_size=batch_size, device=dev)
    warm = ["قصفت طائرة مسيرة موقعا قرب الميادين ."] * 4
    tagger(warm), classifier(warm)

    def score() -> int:
        sents = list(sentences_of(texts, normalizer))
        inputs = [norm.text for *_, norm in sents]
        entities, events = tagger(inputs), classifier(inputs, truncation=True)
        rows: dict[int, list] = {}
        for (d, s, e, norm), ents, event in zip(sents, entities, events, strict=True):
            slots = [[x["entity_group"], *(s + o for o in norm.raw_span(x["start"], x["end"]))] for x in ents]
            rows.setdefault(d, []).append([s, e, event["label"], slots])
        for d in sorted(rows):
            out.write(json.dumps({"doc": d, "sentences": rows[d]}, ensure_ascii=False) + "\n")
        return len(sents)

    return score()


def run_extractor(paths: dict[str, str], config: str, device: str, batch_size: int, texts, out) -> int:
    """(b), (c), (d): the Extractor, streaming documents in and predictions out like `rasd predict`."""
    from rasd.inference.run import load_extractor

    if config == "d":
        ex = load_extractor(paths["onnx"], backend="onnx", batch_size=batch_size)
    else:
        ex = load_extractor(paths["model"], device=device, dtype="bf16" if config == "c" else "fp32",
                            batch_size=batch_size)
    ex.predict(["قصفت طائرة مسيرة موقعا قرب الميادين ."] * 4)
    n = 0
    for d, doc in enumerate(ex.predict_stream(texts, all_sentences=True)):
        sents = [[s.start, s.end, s.event_type, [[x.label, x.start, x.end] for x in s.slots]]
                 for s in doc.sentences if s.event_type is not None]
        n += len(sents)
        out.write(json.dumps({"doc": d, "sentences": sents}, ensure_ascii=False) + "\n")
    return n


def child(args: argparse.Namespace) -> None:
    import torch

    work = Path(args.work)
    paths = json.loads((work / "paths.json").read_text())
    if args.threads:
        torch.set_num_threads(args.threads)
    load = os.getloadavg()[0]
    clock = _Clock()
    docs = _timed(read_docs(work), clock)
    # Loading and warm-up happen inside run_*; the clock starts when they ask for the first document.
    with (work / f"pred-{args.child}.jsonl").open("w", encoding="utf-8") as out:
        if args.child == "a":
            n = run_pipelines(paths, args.device, args.batch_size, docs, out)
        else:
            n = run_extractor(paths, args.child, args.device, args.batch_size, docs, out)
        seconds = time.perf_counter() - clock.t0
    result = {"config": args.child, "seconds": seconds, "sentences": n, "load": (load + os.getloadavg()[0]) / 2,
              "peak_rss_mb": peak_rss_mb(),
              "threads": torch.get_num_threads()}
    if args.device == "cuda":
        result["peak_gpu_mb"] = torch.cuda.max_memory_allocated() / 2**20
    print("RESULT " + json.dumps(result))


def peak_rss_mb() -> float:
    """This process's peak resident memory. VmHWM, not getrusage: ru_maxrss survives exec, so a child
    would report its parent's peak when that is higher."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            return next(int(line.split()[1]) / 1024 for line in f if line.startswith("VmHWM:"))
    except (OSError, StopIteration):  # not Linux
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class _Clock:
    t0 = 0.0


def _timed(docs: Iterator[str], clock: _Clock) -> Iterator[str]:
    """The documents; the clock starts when the first one is asked for (after loading and warm-up)."""
    clock.t0 = time.perf_counter()
    yield from docs


# --- comparing and reporting --------------------------------------------------------------------

def load_predictions(path: Path) -> tuple[dict, set]:
    events, slots = {}, set()
    with path.open(encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            for start, end, event, spans in row["sentences"]:
                events[(row["doc"], start, end)] = event
                slots.update((row["doc"], label, s, e) for label, s, e in spans)
    return events, slots


def agreement(work: Path, config: str, reference: str = "b") -> tuple[float, float]:
    """Event-type agreement over the reference's sentences and slot span F1, taking ``reference`` as gold."""
    ref_events, ref_slots = load_predictions(work / f"pred-{reference}.jsonl")
    events, slots = load_predictions(work / f"pred-{config}.jsonl")
    same = sum(events.get(k) == v for k, v in ref_events.items())
    tp = len(ref_slots & slots)
    f1 = 2 * tp / (len(ref_slots) + len(slots)) if ref_slots or slots else 1.0
    return same / max(1, len(ref_events)), f1


def label_check(work: Path, paths: dict[str, str], limit: int) -> str:
    """Do (a)'s two stock checkpoints give (b)'s labels? Untimed, on the first ``limit`` sentences.

    (a)'s slot spans differ from (b)'s where ``aggregation_strategy="simple"`` groups sub-tokens
    differently from rasd's first-sub-token rule: a decoding choice, not a difference in labels. Here
    the token-classification pipeline runs with ``aggregation_strategy="none"`` and its token labels are
    read with rasd's rule (each word's label is its first sub-token's, then IOB2 to spans); the spans
    must equal (b)'s. Only sentences that fit in one of rasd's windows are compared: the pipeline
    truncates where rasd windows.
    """
    from transformers import AutoTokenizer, pipeline

    from rasd.inference.loading import load_config
    from rasd.models.decoding import tags_to_spans
    from rasd.models.export import TOKEN_DIR
    from rasd.text.normalize import build_normalizer
    from rasd.text.words import tokenize_words

    config = load_config(paths["model"])
    normalizer = build_normalizer(config.preprocessing)
    tokenizer = AutoTokenizer.from_pretrained(paths["model"])
    fits = config.max_length - tokenizer.num_special_tokens_to_add()
    sample = []
    for d, s, e, norm in sentences_of(read_docs(work), normalizer):
        words = tokenize_words(norm.text)
        if len(tokenizer([norm.text[a:b] for a, b in words], is_split_into_words=True,
                         add_special_tokens=False)["input_ids"]) <= fits:
            sample.append((d, s, e, norm, words))
        if len(sample) == limit:
            break
    tagger = pipeline("token-classification", model=str(Path(paths["hf"]) / TOKEN_DIR),
                      aggregation_strategy="none", device=-1)
    ref_events, ref_slots = load_predictions(work / "pred-b.jsonl")
    slots_of: dict[int, set] = {}
    for slot in ref_slots:
        slots_of.setdefault(slot[0], set()).add(slot)
    same = 0
    for (d, s, e, norm, words), tokens in zip(sample, tagger([x[3].text for x in sample], batch_size=32),
                                              strict=True):
        by_start = {t["start"]: t["entity"] for t in tokens}
        tags = [by_start.get(a, "O") for a, _ in words]
        raw = [tuple(s + o for o in norm.raw_span(a, b)) for a, b in words]
        spans = {(d, x.label, x.start, x.end) for x in tags_to_spans(tags, [1.0] * len(tags), raw)}
        expected = {x for x in slots_of.get(d, ()) if s <= x[2] and x[3] <= e}
        same += spans == expected and (d, s, e) in ref_events
    return (f"label check (untimed): (a)'s token-classification checkpoint read with rasd's first-sub-token "
            f"rule gives (b)'s slot spans in {same}/{len(sample)} sentences")


def count_tokens(work: Path, model: str) -> tuple[int, int]:
    from transformers import AutoTokenizer

    from rasd.inference.loading import load_config
    from rasd.text.normalize import build_normalizer

    tokenizer = AutoTokenizer.from_pretrained(model)
    normalizer = build_normalizer(load_config(model).preprocessing)
    texts = [norm.text for *_, norm in sentences_of(read_docs(work), normalizer)]
    ids = tokenizer(texts, add_special_tokens=False)["input_ids"]
    return len(texts), sum(len(x) for x in ids)


def render(results: dict[str, dict], work: Path, args: argparse.Namespace, n_sent: int, n_tok: int) -> str:
    import torch

    random_model = not args.model
    lines = [
        f"rasd throughput: {args.docs} SaudiNewsNet documents, {n_sent} sentences, {n_tok} tokens, "
        f"batch size {args.batch_size}, device {args.device}",
        "model: " + ("BERT-base-shaped (12 x 768, vocab 30k) with RANDOM weights: speed only, agreement is "
                     "meaningless" if random_model else f"{args.model} (trained)"),
        f"machine: {os.cpu_count()} cores ({platform.processor() or platform.machine()}), torch {torch.__version__}; "
        "load = 1-min load average during the run (other processes share the cores)",
        "",
        "| config | sentences/s | tokens/s | peak RSS MB | x (a) | event agr. vs (b) | slot F1 vs (b) | load |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    base = results.get("a")
    for key, r in sorted(results.items()):
        if "skipped" in r:
            lines.append(f"| {CONFIGS[key]} | skipped: {r['skipped']} | | | | | | |")
            continue
        rate = n_sent / r["seconds"]
        ratio = f"{r['seconds'] and base['seconds'] / r['seconds']:.2f}" if base and "seconds" in base else "-"
        agree = agreement(work, key) if key != "b" and "b" in results and "seconds" in results["b"] else None
        agr = f"{agree[0]:.4f} | {agree[1]:.4f}" if agree else "- | -"
        lines.append(f"| {CONFIGS[key]} | {rate:.1f} | {n_tok / r['seconds']:.0f} | {r['peak_rss_mb']:.0f} | "
                     f"{ratio} | {agr} | {r['load']:.1f} |")
    lines += ["", TARGETS]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=300, help="documents to score")
    parser.add_argument("--model", help="a trained rasd model directory (default: random BERT-base-shaped)")
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--threads", type=int, default=0, help="torch.set_num_threads (0: torch's default)")
    parser.add_argument("--configs", default="abcd", help="which of a, b, c, d to run")
    parser.add_argument("--work", help="keep models, exports and predictions here (default: a temp dir)")
    parser.add_argument("--label-check", type=int, default=500, metavar="N",
                        help="after the timed runs, check (a)'s labels against (b)'s on N sentences (0: skip)")
    parser.add_argument("--json", help="also write the raw results here")
    parser.add_argument("--compare-rss", metavar="JSON", help="print peak RSS against an earlier run's --json")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args)
        return 0
    if not any(DUMP.glob("*.zip")):
        print(f"SaudiNewsNet dump not found at {DUMP}: nothing to benchmark (it sits beside the checkout "
              "as ../shared/data)")
        return 0
    if args.device == "cuda":
        import torch

        if not torch.cuda.is_available():
            print("--device cuda: no CUDA GPU is visible", file=sys.stderr)
            return 2
    with tempfile.TemporaryDirectory(prefix="rasd-throughput-") as tmp:
        work = Path(args.work or tmp)
        work.mkdir(parents=True, exist_ok=True)
        return run_all(args, work)


def run_all(args: argparse.Namespace, work: Path) -> int:
    from rasd.inference.backends import cpu_supports_bf16

    # The reference (b) first and the slow baseline last, so that a stopped long run keeps the most.
    configs = [c for c in "bdca" if c in args.configs]
    skipped = {}
    if "c" in configs and args.device == "cpu" and not cpu_supports_bf16():
        skipped["c"] = "no AVX512-BF16/AMX on this CPU"
    if "d" in configs and args.device == "cuda":
        skipped["d"] = "ONNX Runtime int8 is a CPU path"
    started = time.perf_counter()
    paths = prepare(args, work, [c for c in configs if c not in skipped])
    print(f"prepared model and exports in {time.perf_counter() - started:.0f}s ({paths['model']})", file=sys.stderr)
    results: dict[str, dict] = {}
    for config in configs:
        if config in skipped:
            results[config] = {"skipped": skipped[config]}
            continue
        cmd = [sys.executable, __file__, "--child", config, "--work", str(work), "--device", args.device,
               "--batch-size", str(args.batch_size), "--threads", str(args.threads)]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        line = next((x for x in proc.stdout.splitlines() if x.startswith("RESULT ")), None)
        if proc.returncode or line is None:
            print(proc.stderr[-3000:], file=sys.stderr)
            results[config] = {"skipped": f"failed (exit {proc.returncode}), see stderr"}
            continue
        results[config] = json.loads(line.removeprefix("RESULT "))
        print(f"{CONFIGS[config]}: {json.dumps(results[config])}", file=sys.stderr)
        if args.json:  # after each configuration, so that a long run that is stopped keeps what it measured
            Path(args.json).write_text(json.dumps({"docs": args.docs, "results": results}, indent=1))
    n_sent, n_tok = count_tokens(work, paths["model"])
    print(render(results, work, args, n_sent, n_tok))
    if args.label_check and "a" in configs and (work / "pred-b.jsonl").is_file() and "hf" in paths:
        print(label_check(work, paths, args.label_check))
    if args.compare_rss:
        print(compare_rss(json.loads(Path(args.compare_rss).read_text()), args.docs, results))
    return 0


def compare_rss(earlier: dict, docs: int, results: dict[str, dict]) -> str:
    lines = [f"\npeak RSS, {earlier['docs']} vs {docs} documents (target: within 15%)"]
    for key, r in results.items():
        before = earlier["results"].get(key, {})
        if "peak_rss_mb" in r and "peak_rss_mb" in before:
            change = r["peak_rss_mb"] / before["peak_rss_mb"] - 1
            lines.append(f"  {CONFIGS[key]}: {before['peak_rss_mb']:.0f} -> {r['peak_rss_mb']:.0f} MB "
                         f"({change:+.1%}) {'ok' if abs(change) <= 0.15 else 'OVER'}")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
