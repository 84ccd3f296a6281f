"""`rasd predict` killed mid-run: SIGKILL then --resume, and Ctrl-C (SIGINT), end with every id exactly once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from rasd.inference.run import load_extractor, predict_file

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")

DUMP = Path(__file__).parents[2] / "data" / "samples" / "news_dump.jsonl"
N_DOCS = 60


@pytest.fixture(scope="module")
def extractor(tiny_model_dir):
    return load_extractor(tiny_model_dir, device="cpu", batch_size=32)


@pytest.fixture
def dump(tmp_path) -> tuple[Path, list[str]]:
    lines = DUMP.read_text(encoding="utf-8").splitlines()[:N_DOCS]
    path = tmp_path / "dump.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path, [json.loads(line)["id"] for line in lines]


def start_slow_run(model: Path, dump: Path, out: Path) -> subprocess.Popen:
    """Batch size 1: windows of 32 sentences, so the output grows a few documents at a time."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
    return subprocess.Popen(
        [sys.executable, "-m", "rasd.cli", "predict", str(model), str(dump), "-o", str(out), "--device", "cpu",
         "--batch-size", "1", "-q"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)


def wait_for_lines(proc: subprocess.Popen, out: Path, n: int, timeout: float = 240.0) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        lines = out.read_bytes().count(b"\n") if out.exists() else 0
        if lines >= n:
            return lines
        if proc.poll() is not None:
            pytest.fail(f"predict ended (rc {proc.returncode}) before writing {n} lines: {proc.stderr.read().decode()}")
        time.sleep(0.1)
    proc.kill()
    pytest.fail(f"no {n} output lines after {timeout} s")


def ids_in(out: Path) -> list[str]:
    return [json.loads(line)["id"] for line in out.read_text(encoding="utf-8").splitlines()]


def test_sigkill_then_resume_has_every_id_exactly_once(tmp_path, tiny_model_dir, extractor, dump):
    path, ids = dump
    out = tmp_path / "out.jsonl"
    proc = start_slow_run(tiny_model_dir, path, out)
    wait_for_lines(proc, out, 2)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    written = out.read_bytes().count(b"\n")
    assert 2 <= written < N_DOCS, "the run must be killed before it finished"

    summary = predict_file(extractor, path, output=out, resume=True, progress=False)
    assert summary.skipped == written and summary.scored == N_DOCS - written
    got = ids_in(out)
    assert Counter(got) == Counter(ids) and got == ids  # each id once, and still in input order


def test_ctrl_c_stops_cleanly_and_leaves_a_resumable_file(tmp_path, tiny_model_dir, extractor, dump):
    path, ids = dump
    out = tmp_path / "out.jsonl"
    proc = start_slow_run(tiny_model_dir, path, out)
    wait_for_lines(proc, out, 1)
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130, stderr.decode()
    assert "interrupted" in stderr.decode() and "Traceback" not in stderr.decode()
    data = out.read_bytes()
    assert data.endswith(b"\n")  # nothing half-written: the batch in flight was finished and flushed
    done = ids_in(out)
    assert 1 <= len(done) < N_DOCS and done == ids[: len(done)]

    summary = predict_file(extractor, path, output=out, resume=True, progress=False)
    assert summary.truncated_bytes == 0 and summary.skipped == len(done)
    assert ids_in(out) == ids
