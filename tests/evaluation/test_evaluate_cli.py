"""`rasd evaluate` end to end on tiny trained models: the files, the skips, multi-label data and --compare."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
import support

from rasd.cli import main
from rasd.data.formats import read_records
from rasd.evaluation.evaluate import evaluate

pytestmark = pytest.mark.slow
TESTS = Path(__file__).resolve().parents[1]
CORPUS = TESTS.parent / "data" / "corpus"
CONLL = TESTS / "fixtures" / "formats" / "incidents.conll"


def _rows(path: Path, n: int) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in itertools.islice(f, n)]


def _write(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def slots_model_dir(tmp_path_factory) -> Path:
    """A slots-only model, trained on a few hundred sentences: only what it lacks is tested."""
    out = tmp_path_factory.mktemp("tiny-slots")
    train = _write(out / "train.jsonl", _rows(CORPUS / "train.jsonl", 200))
    dev = _write(out / "dev.jsonl", _rows(CORPUS / "dev.jsonl", 40))
    result = support.train_tiny(out / "model", task="slots", num_train_epochs=2, train_file=str(train),
                                  validation_file=str(dev))
    return Path(result.output_dir)


@pytest.fixture(scope="module")
def multilabel_files(tmp_path_factory) -> tuple[Path, Path]:
    """Train/dev JSONL whose event types are lists; every third sentence carries a second label."""
    out = tmp_path_factory.mktemp("multilabel-data")
    files = []
    for name, n in (("train", 120), ("dev", 40)):
        rows = _rows(CORPUS / f"{name}.jsonl", n)
        for i, row in enumerate(rows):
            second = "mobilization" if row["event_type"] != "mobilization" else "armed_clash"
            row["event_type"] = [row["event_type"], second] if i % 3 == 0 else [row["event_type"]]
        files.append(_write(out / f"{name}.jsonl", rows))
    return files[0], files[1]


@pytest.fixture(scope="module")
def multilabel_model_dir(tmp_path_factory, multilabel_files) -> Path:
    train, dev = multilabel_files
    result = support.train_tiny(tmp_path_factory.mktemp("tiny-multilabel"), train_file=str(train),
                                  validation_file=str(dev), label_schema="infer", num_train_epochs=1)
    return Path(result.output_dir)


def _metrics(folder: Path) -> dict:
    return json.loads((folder / "metrics.json").read_text(encoding="utf-8"))


def test_cli_writes_all_four_files(tiny_model_dir, tmp_path, capsys):
    out = tmp_path / "eval"
    assert main(["evaluate", str(tiny_model_dir), str(CORPUS / "test.jsonl"), "--output", str(out),
                 "--device", "cpu"]) == 0
    printed = capsys.readouterr().out
    assert sorted(p.name for p in out.iterdir()) == ["confusion_matrix.png", "errors.html", "errors.jsonl",
                                                     "metrics.json", "report.md"]
    m = _metrics(out)
    assert m["counts"]["sentences"] == sum(1 for _ in read_records(CORPUS / "test.jsonl"))
    assert m["counts"]["gold_spans"] > 0 and m["skipped"] == [] and m["compare"] is None
    assert (m["model"], m["data"], m["format"]) == (str(tiny_model_dir), str(CORPUS / "test.jsonl"), "jsonl")
    for mode in ("strict", "default"):
        for avg in ("micro", "macro"):
            assert set(m["slots"][mode][avg]) == {"precision", "recall", "f1", "support"}
        assert {"LOCATION", "PERPETRATOR"} <= set(m["slots"][mode]["per_type"])
    assert 0.0 <= m["events"]["accuracy"] <= 1.0 and 0.0 <= m["events"]["macro_f1"] <= 1.0
    assert set(m["events"]["per_type"]["none"]) == {"precision", "recall", "f1", "support"}
    assert m["headline"]["slot_f1"] == m["slots"]["strict"]["micro"]["f1"]
    # the printed summary: both headline numbers and the per-type table
    assert f"{m['slots']['strict']['micro']['f1']:.4f}" in printed and f"{m['events']['macro_f1']:.4f}" in printed
    assert "slot type (strict)" in printed and "LOCATION" in printed and "event type" in printed
    errors = [json.loads(line) for line in (out / "errors.jsonl").read_text(encoding="utf-8").splitlines()]
    assert sum(m["error_counts"].values()) == len(errors) > 0
    for row in errors:
        assert row["kind"] in ("event", "missed", "spurious", "boundary", "label")
        assert 0 <= row["start"] < row["end"] <= len(row["text"])


def test_conll_data_skips_event_types(tiny_model_dir, tmp_path, capsys):
    out = tmp_path / "eval"
    assert main(["evaluate", str(tiny_model_dir), str(CONLL), "--output", str(out), "--device", "cpu"]) == 0
    m = _metrics(out)
    assert m["format"] == "conll" and m["events"] is None and m["slots"] is not None
    assert m["skipped"] == [{"what": "events", "why": "the data has no event types (conll)"}]
    assert not (out / "confusion_matrix.png").exists()
    assert "skipped: events: the data has no event types (conll)" in capsys.readouterr().out


def test_slots_only_model_skips_event_types(slots_model_dir, tmp_path):
    result = evaluate(slots_model_dir, CORPUS / "test.jsonl", output_dir=tmp_path, device="cpu")
    assert result.task == "slots" and result.events is None and result.slots is not None
    assert result.skipped == [{"what": "events", "why": "the model has no event head (task=slots)"}]
    assert result.error_counts["event"] == 0
    assert "the model has no event head" in (tmp_path / "report.md").read_text(encoding="utf-8")


def test_multilabel_model_and_data(multilabel_model_dir, multilabel_files, tmp_path):
    _, dev = multilabel_files
    result = evaluate(multilabel_model_dir, dev, output_dir=tmp_path, device="cpu")
    ev = result.to_dict()["events"]
    assert result.multi_label and ev["multi_label"] is True and result.counts["event_sentences"] == 40
    for key in ("micro_f1", "macro_f1", "hamming_loss", "subset_accuracy", "accuracy"):
        assert 0.0 <= ev[key] <= 1.0
    assert ev["subset_accuracy"] == ev["accuracy"]
    assert {r["threshold"] for r in ev["per_type"].values()} == {0.5}
    assert "mobilization" in ev["per_type"]
    report = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert "Hamming loss" in report and "threshold" in report
    assert (tmp_path / "confusion_matrix.png").is_file()
    assert "Hamming loss" in result.summary()


def test_compare_a_model_with_itself(tiny_model_dir, tmp_path, capsys):
    out = tmp_path / "eval"
    data = str(CORPUS / "test.jsonl")
    assert main(["evaluate", str(tiny_model_dir), data, "--compare", str(tiny_model_dir), "--bootstrap", "200",
                 "--output", str(out), "--device", "cpu"]) == 0
    printed = capsys.readouterr().out
    cmp = _metrics(out)["compare"]
    for key in ("slot_f1", "event_macro_f1"):
        assert (cmp[key]["difference"], cmp[key]["low"], cmp[key]["high"]) == (0.0, 0.0, 0.0)
        assert cmp[key]["resamples"] == 200
    assert cmp["slot_f1"]["a"] == pytest.approx(_metrics(out)["slots"]["strict"]["micro"]["f1"])
    assert "95% CI" in printed and printed.count("[+0.0000, +0.0000]") == 2
    assert f"A = {tiny_model_dir}" in printed and f"B = {tiny_model_dir}" in printed


def test_compare_with_a_slots_only_model(tiny_model_dir, slots_model_dir):
    result = evaluate(tiny_model_dir, CORPUS / "test.jsonl", compare=slots_model_dir, bootstrap=100, seed=1,
                      device="cpu")
    cmp = result.compare
    assert cmp is not None and cmp["event_macro_f1"] is None
    ci = cmp["slot_f1"]
    assert ci["low"] <= ci["difference"] <= ci["high"]
    assert ci["difference"] == pytest.approx(result.headline["slot_f1"] - cmp["b"]["headline"]["slot_f1"])
    assert {"what": "event macro-F1 difference", "why": "event types were not scored for both models"} in cmp["skipped"]
    assert "model B: events: the model has no event head (task=slots)" in result.summary()


def test_cli_errors_are_one_line(tiny_model_dir, tmp_path, capsys):
    assert main(["evaluate", str(tiny_model_dir), str(tmp_path / "missing.jsonl")]) == 1
    assert "missing.jsonl: file not found" in capsys.readouterr().err
    assert main(["evaluate", str(tiny_model_dir), str(CORPUS / "test.jsonl"), "--bootstrap", "-1"]) == 1
    assert "bootstrap must be 0 or more" in capsys.readouterr().err
