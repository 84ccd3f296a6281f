"""The benchmark scripts run end to end on a few documents (their numbers are not tested: they are
machine-dependent and belong in the tables the scripts print)."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
from support import REPO

pytestmark = pytest.mark.slow


def run_script(name: str, *args: str) -> str:
    proc = subprocess.run([sys.executable, str(REPO / "benchmarks" / name), *args], capture_output=True,
                          text=True, cwd=REPO, env={**os.environ, "HF_HUB_OFFLINE": "1"}, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout


def test_throughput_table_and_label_check(shared_data, tiny_model_dir, tmp_path):
    if not any((shared_data / "saudinewsnet" / "dataset").glob("*.zip")):
        pytest.skip("SaudiNewsNet dump absent")
    out = run_script("throughput.py", "--model", str(tiny_model_dir), "--docs", "4", "--configs", "abd",
                     "--label-check", "30", "--work", str(tmp_path), "--json", str(tmp_path / "r.json"))
    rows = {line.split("|")[1].strip() for line in out.splitlines() if line.startswith("| (")}
    assert rows == {"(a) pipelines fp32", "(b) rasd fp32", "(d) rasd onnx int8"}
    checked = re.search(r"gives \(b\)'s slot spans in (\d+)/(\d+) sentences", out)
    assert checked, out
    same, compared = int(checked[1]), int(checked[2])
    assert 20 <= compared <= 30  # 4 documents have a few more sentences than that, some too long for one window
    assert same == compared  # the stock checkpoint's labels are rasd's, sentence for sentence
    assert (tmp_path / "r.json").is_file()


def test_train_parity_prints_both_recipes(shared_data, tmp_path):
    if not (shared_data / "anercorp-train").is_dir():
        pytest.skip("ANERcorp absent")
    out = run_script("train_parity.py", "--limit", "120", "--epochs", "1", "--device", "cpu",
                     "--output-dir", str(tmp_path))
    assert re.search(r"transformers run_ner \(baseline\)\s+[\d.]+\s+[\d.]+\s+[\d.]+", out), out
    assert re.search(r"rasd train --task slots\s+[\d.]+\s+[\d.]+\s+[\d.]+", out), out
    assert "difference (rasd - baseline)" in out
