"""Fixtures for the reliability tests: a tiny model trained for one short epoch on a slice of the corpus,
and helpers that run the CLI in-process and return (exit code, stderr)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support import CORPUS, train_tiny


def _slice(src: Path, dst: Path, n: int) -> Path:
    lines = src.read_text(encoding="utf-8").splitlines()[:n]
    dst.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return dst


@pytest.fixture(scope="session")
def rel_model(tmp_path_factory) -> Path:
    """A real (barely trained) rasd model folder; one epoch over 120 records is enough for these tests."""
    root = tmp_path_factory.mktemp("rel-model")
    train = _slice(CORPUS / "train.jsonl", root / "train.jsonl", 120)
    dev = _slice(CORPUS / "dev.jsonl", root / "dev.jsonl", 30)
    out = root / "model"
    train_tiny(out, train_file=str(train), validation_file=str(dev), num_train_epochs=1, warmup_steps=0)
    return out


@pytest.fixture
def run_cli(capsys):
    """Run `rasd ARGS` in-process; returns (exit code, stderr). A traceback would fail the test itself."""
    from rasd.cli import main

    def go(*args: str) -> tuple[int, str]:
        capsys.readouterr()
        rc = main([str(a) for a in args])
        err = capsys.readouterr().err
        return rc, err
    return go


def one_line_error(err: str) -> str:
    lines = [line for line in err.strip().splitlines() if "error:" in line]
    assert "Traceback" not in err, err
    assert len(lines) == 1, err
    return lines[0]


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def fake_model_dir(path: Path) -> Path:
    """A folder that LOOKS like a model folder (enough for the path guards, which never load it)."""
    path.mkdir(parents=True, exist_ok=True)
    (path / "config.json").write_text('{"model_type": "rasd"}', encoding="utf-8")
    (path / "model.safetensors").write_bytes(b"weights")
    return path
