"""`rasd train`: bad values and output folders are refused before anything is written; a trained model
is replaced only with overwrite_output_dir; a failed run leaves no encoder-init behind."""

from __future__ import annotations

import os

import pytest
import yaml
from conftest import fake_model_dir, one_line_error
from support import tiny_config


def _config(tmp_path, out, **overrides):
    path = tmp_path / "cfg.yaml"
    path.write_text(yaml.safe_dump(tiny_config(out, **overrides)), encoding="utf-8")
    return path


@pytest.mark.parametrize("value", ["-0.01", "fast"])
def test_bad_learning_rate_refused_before_writing(tmp_path, run_cli, value):
    out = tmp_path / "run"
    rc, err = run_cli("train", _config(tmp_path, out), f"learning_rate={value}")
    assert rc == 1 and "learning_rate must be" in one_line_error(err)
    assert not out.exists()  # no encoder-init, no folder


def test_output_dir_is_a_file(tmp_path, run_cli):
    out = tmp_path / "run"
    out.write_text("notes", encoding="utf-8")
    rc, err = run_cli("train", _config(tmp_path, out))
    assert rc == 1 and "is a file" in one_line_error(err)
    assert out.read_text(encoding="utf-8") == "notes"


def test_output_dir_holding_a_trained_model(tmp_path, run_cli):
    out = fake_model_dir(tmp_path / "run")
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    rc, err = run_cli("train", _config(tmp_path, out))
    assert rc == 1 and "overwrite_output_dir" in one_line_error(err)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_output_dir_inside_another_model(tmp_path, run_cli):
    model = fake_model_dir(tmp_path / "model")
    rc, err = run_cli("train", _config(tmp_path, model / "again"))
    assert rc == 1 and "model folder" in one_line_error(err)
    assert not (model / "again").exists()


def test_failed_run_leaves_no_encoder_init(tmp_path, run_cli, monkeypatch):
    import rasd.training.train as train_module

    def broken(*args, **kwargs):  # fault injection after the compact encoder was built
        raise train_module.ModelLoadError("cannot load encoder (injected)")

    monkeypatch.setattr(train_module, "build_model", broken)
    out = tmp_path / "run"
    rc, err = run_cli("train", _config(tmp_path, out, compact_encoder={"vocab_size": 400, "hidden_size": 16,
                                                                       "num_hidden_layers": 1, "num_attention_heads": 1,
                                                                       "intermediate_size": 16,
                                                                       "max_position_embeddings": 128}))
    assert rc == 1 and "injected" in one_line_error(err)
    assert not out.exists() or "encoder-init" not in os.listdir(out)
