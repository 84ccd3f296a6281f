"""The training config: pass-through of TrainingArguments, overrides, and errors users can act on."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
from support import REPO

from rasd.errors import ConfigError
from rasd.training.config import config_from_dict, load_config


def test_shipped_configs_load():
    compact = load_config(REPO / "configs" / "compact.yaml")
    assert compact.compact_encoder is not None and compact.training["num_train_epochs"] > 0
    arabert = load_config(REPO / "configs" / "arabert.yaml")
    assert arabert.model_name_or_path == "aubmindlab/bert-base-arabertv02"


def test_training_arguments_pass_through_and_overrides():
    cfg = load_config(REPO / "configs" / "compact.yaml",
                      ["gradient_accumulation_steps=4", "lr_scheduler_type=cosine", "compact_encoder.hidden_size=128",
                       "task=slots"])
    assert cfg.training["gradient_accumulation_steps"] == 4
    assert cfg.training["lr_scheduler_type"] == "cosine"
    assert cfg.compact_encoder.hidden_size == 128 and cfg.task == "slots"


@pytest.mark.parametrize(
    "raw, message",
    [
        ({"train_file": "x", "output_dir": "o", "model_name_or_path": "m", "learning_rat": 1e-3}, "learning_rat"),
        ({"train_file": "x", "output_dir": "o", "model_name_or_path": "m", "task": "ner"}, "task must be"),
        ({"train_file": "x", "output_dir": "o"}, "model_name_or_path"),
        ({"train_file": "x", "model_name_or_path": "m"}, "output_dir"),
        ({"train_file": "x", "output_dir": "o", "compact_encoder": {"hidden": 3}}, "compact_encoder"),
        ({"train_file": "x", "output_dir": "o", "model_name_or_path": "m", "max_length": 64, "stride": 64}, "stride"),
    ],
)
def test_config_errors_name_the_problem(raw, message):
    with pytest.raises(ConfigError, match=message):
        config_from_dict(raw)


def test_arabert_config_without_network_stops_at_once_with_one_line(tmp_path):
    start = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "rasd.cli", "train", "configs/arabert.yaml", f"output_dir={tmp_path}"],
        cwd=REPO, capture_output=True, text=True, timeout=120,
        env={"HF_HUB_OFFLINE": "1", "PATH": "/usr/bin:/bin"},
    )
    assert proc.returncode == 1
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    assert "aubmindlab/bert-base-arabertv02" in lines[0] and "model_name_or_path" in lines[0]
    assert "Traceback" not in proc.stderr
    assert time.monotonic() - start < 60


def test_exponent_floats_without_a_dot_are_numbers(tmp_path):
    """YAML 1.1 reads `3e-3` as a string, which TrainingArguments would reject deep inside torch."""
    path = tmp_path / "c.yaml"
    path.write_text("compact_encoder: {}\ntrain_file: x\noutput_dir: o\nlearning_rate: 5e-4\n")
    cfg = load_config(path, ["weight_decay=1e-2"])
    assert cfg.training["learning_rate"] == 5e-4 and cfg.training["weight_decay"] == 0.01
