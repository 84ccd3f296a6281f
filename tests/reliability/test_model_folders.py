"""Principle 4: a model folder is checked at load; every problem is one line naming the file and the fix."""

from __future__ import annotations

import json
import shutil

from conftest import one_line_error, write_jsonl


def _copy(rel_model, tmp_path):
    return shutil.copytree(rel_model, tmp_path / "model", ignore=shutil.ignore_patterns("checkpoint-*", "encoder-init"))


def _predict(run_cli, model, tmp_path):
    dump = write_jsonl(tmp_path / "dump.jsonl", [{"id": "a", "text": "قصف على قرية."}])
    return run_cli("predict", model, dump, "-o", tmp_path / "out.jsonl", "-q")


def test_missing_weights(tmp_path, rel_model, run_cli):
    model = _copy(rel_model, tmp_path)
    (model / "model.safetensors").unlink()
    rc, err = _predict(run_cli, model, tmp_path)
    assert rc == 1 and "model.safetensors: missing" in one_line_error(err)
    assert not (tmp_path / "out.jsonl").exists()


def test_damaged_weights(tmp_path, rel_model, run_cli):
    model = _copy(rel_model, tmp_path)
    data = (model / "model.safetensors").read_bytes()
    (model / "model.safetensors").write_bytes(data[:100])
    rc, err = _predict(run_cli, model, tmp_path)
    assert rc == 1 and "cannot be read" in one_line_error(err)


def test_missing_tokenizer(tmp_path, rel_model, run_cli):
    model = _copy(rel_model, tmp_path)
    (model / "tokenizer.json").unlink()
    (model / "vocab.txt").unlink(missing_ok=True)
    rc, err = _predict(run_cli, model, tmp_path)
    assert rc == 1 and "tokenizer" in one_line_error(err)


def test_id2label_not_matching_the_slot_head(tmp_path, rel_model, run_cli):
    model = _copy(rel_model, tmp_path)
    cfg = json.loads((model / "config.json").read_text(encoding="utf-8"))
    cfg["id2label"] = {"0": "O", "1": "B-LOCATION", "2": "I-LOCATION"}
    cfg["label2id"] = {v: int(k) for k, v in cfg["id2label"].items()}
    (model / "config.json").write_text(json.dumps(cfg), encoding="utf-8")
    rc, err = _predict(run_cli, model, tmp_path)
    line = one_line_error(err)
    assert rc == 1 and "id2label has 3 label(s)" in line and "B-LOCATION" in line


def test_event_labels_not_matching_the_event_head(tmp_path, rel_model, run_cli):
    model = _copy(rel_model, tmp_path)
    cfg = json.loads((model / "config.json").read_text(encoding="utf-8"))
    cfg["event_labels"] = ["none", "armed_clash"]
    (model / "config.json").write_text(json.dumps(cfg), encoding="utf-8")
    rc, err = _predict(run_cli, model, tmp_path)
    line = one_line_error(err)
    assert rc == 1 and "event_labels has 2 label(s) (none, armed_clash)" in line


def test_not_a_model_folder(tmp_path, run_cli):
    (tmp_path / "m").mkdir()
    rc, err = _predict(run_cli, tmp_path / "m", tmp_path)
    assert rc == 1 and "config.json" in one_line_error(err)
