"""Training on the shipped corpus moves the metrics; save/load, resume and multi-label work."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from support import CORPUS, tiny_config, train_tiny

from rasd.data.formats.jsonl import read_jsonl
from rasd.models.modeling import RasdModel
from rasd.training.config import config_from_dict
from rasd.training.train import train

pytestmark = pytest.mark.slow


def test_training_beats_an_untrained_model(tiny_model, tmp_path):
    untrained = train_tiny(tmp_path / "untrained", learning_rate=0.0, num_train_epochs=1)
    trained = tiny_model.dev_metrics
    assert trained["loss"] < untrained.dev_metrics["loss"] - 0.5
    assert trained["slot_f1"] > untrained.dev_metrics["slot_f1"] + 0.15
    assert trained["event_accuracy"] > untrained.dev_metrics["event_accuracy"] + 0.1


def test_saved_directory_is_a_complete_hf_model(tiny_model_dir):
    names = {p.name for p in Path(tiny_model_dir).iterdir()}
    assert {"config.json", "model.safetensors", "tokenizer.json", "label_schema.yaml", "training_config.yaml",
            "training_args.json", "README.md"} <= names
    assert not list(Path(tiny_model_dir).glob("*.bin")), "weights must be safetensors, never pickle"
    config = json.loads((Path(tiny_model_dir) / "config.json").read_text())
    assert config["model_type"] == "rasd"
    assert config["id2label"]["0"] == "O" and "B-LOCATION" in config["label2id"]
    assert "none" in config["event_labels"]
    assert config["preprocessing"]["kind"] == "basic"
    card = (Path(tiny_model_dir) / "README.md").read_text()
    assert "slot_f1" in card and "Intended use" in card and "label schema" in card


def test_from_pretrained_restores_identical_outputs(tiny_model_dir, tmp_path):
    from transformers import AutoModel, AutoTokenizer

    a = RasdModel.from_pretrained(tiny_model_dir).eval()
    a.save_pretrained(tmp_path / "copy")
    b = AutoModel.from_pretrained(tmp_path / "copy").eval()  # the Auto classes know model_type "rasd"
    assert isinstance(b, RasdModel)
    tok = AutoTokenizer.from_pretrained(tiny_model_dir)
    texts = [r.text for r in list(read_jsonl(CORPUS / "dev.jsonl"))[:16]]
    enc = tok(texts, padding=True, truncation=True, max_length=96, return_tensors="pt")
    with torch.inference_mode():
        oa, ob = a(**enc), b(**enc)
    assert torch.equal(oa.slot_logits, ob.slot_logits)
    assert torch.equal(oa.event_logits, ob.event_logits)


def test_resume_continues_from_the_last_checkpoint(tmp_path):
    out = tmp_path / "run"
    common = dict(num_train_epochs=2, save_total_limit=3, load_best_model_at_end=False, early_stopping_patience=None)
    train_tiny(out, **common)
    first = sorted(out.glob("checkpoint-*"), key=lambda p: int(p.name.split("-")[1]))
    steps_per_epoch = int(first[0].name.split("-")[1])
    train(config_from_dict(tiny_config(out, **{**common, "num_train_epochs": 3})), resume=True)
    last = max(out.glob("checkpoint-*"), key=lambda p: int(p.name.split("-")[1]))
    state = json.loads((last / "trainer_state.json").read_text())
    assert state["global_step"] == 3 * steps_per_epoch
    epochs_evaluated = [h["epoch"] for h in state["log_history"] if "eval_combined" in h]
    assert epochs_evaluated == [1.0, 2.0, 3.0]  # the history of the first run was carried over, not redone


def test_multi_label_data_trains(tmp_path):
    records = list(read_jsonl(CORPUS / "train.jsonl"))[:300]
    path = tmp_path / "multi.jsonl"
    with open(path, "w", encoding="utf-8") as f:
        for i, r in enumerate(records):
            labels = [r.event_type] + (["mobilization"] if i % 4 == 0 and r.event_type != "mobilization" else [])
            f.write(json.dumps({**r.to_dict(), "event_type": labels}, ensure_ascii=False) + "\n")
    result = train_tiny(tmp_path / "model", train_file=str(path), validation_file=None, validation_fraction=0.2,
                        label_schema="infer", num_train_epochs=2)
    config = json.loads((result.output_dir / "config.json").read_text())
    assert config["multi_label"] is True
    assert "event_micro_f1" in result.dev_metrics

    from rasd import Extractor

    ex = Extractor.from_pretrained(result.output_dir, device="cpu")
    sentences = ex.predict_sentences([records[0].text, records[1].text])
    assert all(isinstance(s.event_labels, list) for s in sentences)


def test_slots_only_task_has_no_event_head(tmp_path):
    result = train_tiny(tmp_path / "slots", task="slots", num_train_epochs=1)
    model = RasdModel.from_pretrained(result.output_dir)
    assert model.event_head is None and model.slot_head is not None
    assert "slot_f1" in result.dev_metrics and "event_accuracy" not in result.dev_metrics


def test_training_on_real_news_ner_raises_slot_f1(shared_data, tmp_path):
    """ANERcorp (real newswire, PERS/LOC/ORG/MISC): `task: slots` with the held-out last documents as dev."""
    source = shared_data / "anercorp-train" / "ANERCorp_train_derived_from_cleaned.tsv"
    if not source.is_file():
        pytest.skip(f"{source} is absent")
    from rasd.data.formats import read_records
    from rasd.data.formats.base import ReadStats
    from rasd.data.formats.jsonl import write_jsonl

    subset = tmp_path / "anercorp-1200.jsonl"
    write_jsonl(list(read_records(source, "conll", stats=ReadStats(on_notice=lambda n: None)))[:1200], subset)

    def run(name: str, **overrides):
        return train(config_from_dict(tiny_config(
            tmp_path / name, task="slots", train_file=str(subset), validation_file=None, validation_fraction=0.15,
            label_schema="infer", max_length=128, **overrides)))

    untrained = run("untrained", learning_rate=0.0, num_train_epochs=1)
    trained = run("trained", num_train_epochs=6)
    assert trained.dev_sentences == untrained.dev_sentences == 180
    assert trained.dev_metrics["loss"] < untrained.dev_metrics["loss"] - 0.5
    assert trained.dev_metrics["slot_f1"] > untrained.dev_metrics["slot_f1"] + 0.1


def test_same_seed_gives_identical_runs(tmp_path):
    """Vocabulary, initial weights, data order and dropout all follow `seed`."""
    first = train_tiny(tmp_path / "first", num_train_epochs=2)
    second = train_tiny(tmp_path / "second", num_train_epochs=2)
    assert (tmp_path / "first" / "tokenizer.json").read_bytes() == (tmp_path / "second" / "tokenizer.json").read_bytes()
    timing = ("runtime", "samples_per_second", "steps_per_second")
    assert {k: v for k, v in first.dev_metrics.items() if k not in timing} == \
        {k: v for k, v in second.dev_metrics.items() if k not in timing}
    a = RasdModel.from_pretrained(first.output_dir).state_dict()
    b = RasdModel.from_pretrained(second.output_dir).state_dict()
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    other = train_tiny(tmp_path / "other", num_train_epochs=2, seed=8)
    assert other.dev_metrics["loss"] != first.dev_metrics["loss"]
