"""Principle 1: an output is never the input (same inode, however spelled) nor inside a model folder
that is not the command's own target. Each test: exit 1, one line, the input's bytes unchanged."""

from __future__ import annotations

import os

from conftest import fake_model_dir, one_line_error, write_jsonl

PRED = {"id": "a", "sentences": [], "n_sentences": 0, "meta": {}}


def test_incidents_output_is_its_input(tmp_path, run_cli):
    p = write_jsonl(tmp_path / "p.jsonl", [PRED])
    before = p.read_bytes()
    rc, err = run_cli("incidents", p, "-o", p)
    assert rc == 1 and "same file" in one_line_error(err)
    assert p.read_bytes() == before


def test_incidents_output_is_a_hard_link_to_its_input(tmp_path, run_cli):
    p = write_jsonl(tmp_path / "p.jsonl", [PRED])
    os.link(p, tmp_path / "other-name.jsonl")
    before = p.read_bytes()
    rc, err = run_cli("incidents", p, "-o", tmp_path / "other-name.jsonl")
    assert rc == 1 and "same file" in one_line_error(err)
    assert p.read_bytes() == before


def test_predict_output_is_a_symlink_to_its_input(tmp_path, run_cli):
    dump = write_jsonl(tmp_path / "dump.jsonl", [{"id": "a", "text": "نص"}])
    (tmp_path / "out.jsonl").symlink_to(dump)
    before = dump.read_bytes()
    rc, err = run_cli("predict", fake_model_dir(tmp_path / "m"), dump, "-o", tmp_path / "out.jsonl")
    assert rc == 1 and "same file" in one_line_error(err)
    assert dump.read_bytes() == before


def test_predict_incidents_table_is_the_predictions_file(tmp_path, run_cli):
    dump = write_jsonl(tmp_path / "dump.jsonl", [{"id": "a", "text": "نص"}])
    out = write_jsonl(tmp_path / "out.jsonl", [PRED])
    before = out.read_bytes()
    rc, err = run_cli("predict", fake_model_dir(tmp_path / "m"), dump, "-o", out, "--incidents", out)
    assert rc == 1 and "same file" in one_line_error(err)
    assert out.read_bytes() == before


def test_predict_output_inside_the_model_folder(tmp_path, run_cli):
    model = fake_model_dir(tmp_path / "model")
    dump = write_jsonl(tmp_path / "dump.jsonl", [{"id": "a", "text": "نص"}])
    before = sorted(os.listdir(model))
    rc, err = run_cli("predict", model, dump, "-o", model / "preds.jsonl")
    assert rc == 1 and f"inside {model}" in one_line_error(err)
    assert sorted(os.listdir(model)) == before


def test_incidents_output_inside_some_model_folder(tmp_path, run_cli):
    model = fake_model_dir(tmp_path / "model")
    p = write_jsonl(tmp_path / "p.jsonl", [PRED])
    rc, err = run_cli("incidents", p, "-o", model / "incidents.csv")
    assert rc == 1 and "model folder" in one_line_error(err)
    assert not (model / "incidents.csv").exists()


def test_convert_output_is_its_input(tmp_path, run_cli):
    src = write_jsonl(tmp_path / "train.jsonl", [{"id": "a", "text": "قصف", "spans": []}])
    before = src.read_bytes()
    rc, err = run_cli("convert", src, src)
    assert rc == 1 and "same file" in one_line_error(err)
    assert src.read_bytes() == before


def test_evaluate_output_folder_inside_the_model(tmp_path, run_cli):
    model = fake_model_dir(tmp_path / "model")
    data = write_jsonl(tmp_path / "test.jsonl", [{"id": "a", "text": "قصف", "spans": []}])
    rc, err = run_cli("evaluate", model, data, "--output", model / "eval")
    assert rc == 1 and "model" in one_line_error(err)
    assert not (model / "eval").exists()


def test_export_into_the_model_folder_itself(tmp_path, run_cli):
    model = fake_model_dir(tmp_path / "model")
    before = {p.name: p.read_bytes() for p in model.iterdir()}
    rc, err = run_cli("export", model, "--to", "onnx", model)
    assert rc == 1 and "Traceback" not in err
    one_line_error(err)
    assert {p.name: p.read_bytes() for p in model.iterdir()} == before  # no model.onnx left behind


def test_export_into_a_folder_inside_the_model(tmp_path, run_cli):
    model = fake_model_dir(tmp_path / "model")
    rc, err = run_cli("export", model, "--to", "hf-heads", model / "hf")
    assert rc == 1 and "model" in one_line_error(err)
    assert not (model / "hf").exists()


def test_export_over_an_existing_export_needs_overwrite(tmp_path, run_cli):
    model = fake_model_dir(tmp_path / "model")
    old = tmp_path / "onnx"
    old.mkdir()
    (old / "config.json").write_text("{}", encoding="utf-8")
    (old / "model.onnx").write_bytes(b"old export")
    rc, err = run_cli("export", model, "--to", "onnx", old)
    assert rc == 1 and "--overwrite" in one_line_error(err)
    assert (old / "model.onnx").read_bytes() == b"old export"


def test_export_into_a_folder_of_other_files(tmp_path, run_cli):
    model = fake_model_dir(tmp_path / "model")
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "todo.txt").write_text("mine", encoding="utf-8")
    rc, err = run_cli("export", model, "--to", "onnx", notes, "--overwrite")
    assert rc == 1 and "other files" in one_line_error(err)
    assert (notes / "todo.txt").read_text(encoding="utf-8") == "mine"


def test_export_target_is_a_file(tmp_path, run_cli):
    model = fake_model_dir(tmp_path / "model")
    target = tmp_path / "out"
    target.write_text("keep", encoding="utf-8")
    rc, err = run_cli("export", model, "--to", "onnx", target)
    assert rc == 1 and "is a file" in one_line_error(err)
    assert target.read_text(encoding="utf-8") == "keep"
