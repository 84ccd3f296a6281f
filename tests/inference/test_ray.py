"""`rasd predict --engine ray`: Ray Data writes what the single-process `predict_file` writes.

The comparisons run both engines with ``batch_size=1``: every sentence window then goes
through the model alone, unpadded, so its logits do not depend on which other sentences share
its batch. With bigger batches any two batchings (two single-process runs over different
slices of a dump included) can differ in the last digit of a rounded score.
"""

from __future__ import annotations

import datetime as dt
import importlib
import importlib.util
import json
import sys
from pathlib import Path

import pytest

from rasd.errors import ConfigError, DataError, MissingExtraError, ModelLoadError
from rasd.inference.run import predict_file

REPO = Path(__file__).parents[2]
DUMP = REPO / "data" / "samples" / "news_dump.jsonl"

needs_ray = pytest.mark.skipif(importlib.util.find_spec("ray") is None,
                               reason="ray is not installed: pip install 'rasd[ray]' to test the Ray engine")
COMPARED = ("read", "scored", "empty", "rejected", "duplicates", "skipped", "ids_from_lines", "truncated_bytes",
            "sentences", "event_sentences", "slots")


def counts(summary) -> dict[str, int]:
    return {k: getattr(summary, k) for k in COMPARED}


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def dump() -> list[dict]:
    return [json.loads(line) for line in DUMP.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def ray_local():
    """A small local Ray for this module: 2 CPUs, no dashboard, a 200 MB object store."""
    ray = pytest.importorskip("ray", reason="ray is not installed: pip install 'rasd[ray]' to test the Ray engine")
    ray.init(num_cpus=2, include_dashboard=False, object_store_memory=200 * 1024**2, logging_level="WARNING")
    yield ray
    ray.shutdown()


# --- without the extra ---------------------------------------------------------------------------

def test_without_ray_the_engine_says_which_extra_to_install(monkeypatch, capsys):
    from rasd.cli import main

    monkeypatch.setitem(sys.modules, "ray", None)  # import ray -> ImportError
    monkeypatch.delitem(sys.modules, "rasd.inference.ray_engine", raising=False)
    with pytest.raises(MissingExtraError, match=r"--engine ray needs the 'ray' package: pip install 'rasd\[ray\]'"):
        importlib.import_module("rasd.inference.ray_engine")
    assert main(["predict", "runs/none", str(DUMP), "--engine", "ray"]) == 1
    assert "pip install 'rasd[ray]'" in capsys.readouterr().err


# --- options and input checks (no cluster needed) ------------------------------------------------

@needs_ray
def test_input_formats_and_options_are_checked_before_ray_starts(tmp_path, tiny_model_dir):
    from rasd.inference.ray_engine import predict_with_ray, sniff_input_format

    assert sniff_input_format("s3://bucket/dump.jsonl.gz") == "jsonl"
    assert sniff_input_format(tmp_path / "part-0.parquet") == "parquet"
    (tmp_path / "shards").mkdir()
    (tmp_path / "shards" / "a.jsonl").write_text("", encoding="utf-8")
    (tmp_path / "shards" / "_SUCCESS").write_text("", encoding="utf-8")
    assert sniff_input_format(tmp_path / "shards") == sniff_input_format(f"file://{tmp_path}/shards/") == "jsonl"
    (tmp_path / "shards" / "b.parquet").write_bytes(b"")
    with pytest.raises(DataError, match="both .jsonl and .parquet"):
        sniff_input_format(tmp_path / "shards")
    (tmp_path / "dump.csv").write_text("id,text\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="--engine local"):
        sniff_input_format(tmp_path / "dump.csv")
    with pytest.raises(DataError, match="file not found"):
        sniff_input_format(tmp_path / "missing.jsonl.bz")
    run = dict(output=tmp_path / "o.jsonl")
    with pytest.raises(ConfigError, match="--num-workers"):
        predict_with_ray(tiny_model_dir, DUMP, num_workers=0, **run)
    with pytest.raises(ConfigError, match="--device auto"):
        predict_with_ray(tiny_model_dir, DUMP, gpus_per_worker=1, device="cpu", **run)
    with pytest.raises(ConfigError, match="--resume needs -o"):
        predict_with_ray(tiny_model_dir, DUMP, resume=True)
    with pytest.raises(ModelLoadError, match="not a rasd model directory"):
        predict_with_ray(tmp_path, DUMP, **run)


# --- the sample dump -----------------------------------------------------------------------------

@needs_ray
@pytest.mark.slow
def test_two_workers_write_the_single_process_output(ray_local, tiny_model_dir, tmp_path):
    from rasd.inference.ray_engine import RayPredictSummary, predict_with_ray

    want = predict_file(tiny_model_dir, DUMP, output=tmp_path / "local.jsonl", device="cpu", batch_size=1,
                        progress=False)
    got = predict_with_ray(tiny_model_dir, DUMP, output=tmp_path / "ray.jsonl", num_workers=2, batch_size=1,
                           docs_per_task=32)
    lines = (tmp_path / "ray.jsonl").read_text(encoding="utf-8").splitlines()
    assert sorted(lines) == sorted((tmp_path / "local.jsonl").read_text(encoding="utf-8").splitlines())
    n_docs = sum(1 for _ in DUMP.open(encoding="utf-8"))
    assert n_docs == 312 and len(lines) == n_docs and got.scored == n_docs and got.empty == 5
    assert counts(got) == counts(want)
    assert isinstance(got, RayPredictSummary) and got.output == tmp_path / "ray.jsonl" and got.workers == 2
    assert f"{n_docs} scored (5 empty)" in got.render() and "on Ray" in got.render()
    assert json.loads(json.dumps(got.to_dict()))["workers"] == 2


@needs_ray
@pytest.mark.slow
def test_rejects_duplicates_and_missing_ids_as_in_one_process_csv(ray_local, tiny_model_dir, tmp_path, dump):
    docs = [d for d in dump[:12] if d["text"]]
    lines = [json.dumps(d, ensure_ascii=False).encode() for d in docs[:4]]
    lines += [
        b'{"id": "broken", "text": ',  # invalid JSON
        b'{"id": "latin1", "text": "caf\xe9"}',  # not UTF-8
        b"[1, 2]",  # not an object
        b"",  # blank: skipped silently
        json.dumps({"id": "no-text", "body": "x"}).encode(),
        json.dumps({"id": "number-text", "text": 3}).encode(),
        json.dumps({"id": 17, "text": docs[4]["text"]}, ensure_ascii=False).encode(),  # id as a number
        json.dumps({"text": docs[5]["text"], "source": "s"}, ensure_ascii=False).encode(),  # no id: the line number
        json.dumps({"id": docs[0]["id"], "text": "نص مكرر."}, ensure_ascii=False).encode(),  # duplicate id
        json.dumps({"id": "empty", "text": "   "}).encode(),  # scored: a document without sentences
        b'{"id": "odd-\\ud83d", "text": "\xd9\x82\xd8\xb5\xd9\x81.", "note": "\\udc00"}',  # lone surrogates
        *(json.dumps(d, ensure_ascii=False).encode() for d in docs[6:]),
    ]
    messy = tmp_path / "messy.jsonl"
    messy.write_bytes(b"\n".join(lines) + b"\n")
    from rasd.inference.ray_engine import predict_with_ray

    want = predict_file(tiny_model_dir, messy, output=tmp_path / "local.csv", fmt="csv", device="cpu", batch_size=1,
                        progress=False)
    got = predict_with_ray(tiny_model_dir, messy, output=tmp_path / "ray.csv", fmt="csv", num_workers=1, batch_size=1,
                           docs_per_task=3)
    assert counts(got) == counts(want)
    assert (got.rejected, got.duplicates, got.ids_from_lines) == (6, 1, 1)
    assert (tmp_path / "ray.csv").read_bytes() == (tmp_path / "local.csv").read_bytes()  # input order kept
    assert got.rejects_path == tmp_path / "ray.rejects.jsonl"
    assert got.rejects_path.read_bytes() == want.rejects_path.read_bytes()
    reasons = [json.loads(x)["reason"] for x in got.rejects_path.read_text(encoding="utf-8").splitlines()]
    assert reasons[0].startswith("invalid JSON") and "duplicate id" in reasons[-1]


@needs_ray
@pytest.mark.slow
def test_resume_scores_only_what_is_missing(ray_local, tiny_model_dir, tmp_path, dump):
    from rasd.inference.ray_engine import predict_with_ray

    subset = write_jsonl(tmp_path / "subset.jsonl", dump[:24])
    predict_file(tiny_model_dir, subset, output=tmp_path / "local.jsonl", device="cpu", batch_size=1, progress=False)
    full = (tmp_path / "local.jsonl").read_bytes()
    head = b"".join(full.splitlines(keepends=True)[:10])
    out = tmp_path / "ray.jsonl"
    out.write_bytes(head + b'{"id": "cut by a crash", "sente')
    got = predict_with_ray(tiny_model_dir, subset, output=out, resume=True, num_workers=1, batch_size=1)
    assert (got.skipped, got.scored, got.truncated_bytes) == (10, 14, len(b'{"id": "cut by a crash", "sente'))
    assert out.read_bytes() == full


@needs_ray
@pytest.mark.slow
def test_parquet_input_with_a_timestamp_and_a_missing_text(ray_local, tiny_model_dir, tmp_path, dump):
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    from rasd.inference.ray_engine import predict_with_ray

    rows = dump[40:56]
    table = pa.table({
        "id": [r["id"] for r in rows],
        "text": [None if i == 3 else r["text"] for i, r in enumerate(rows)],
        "published": pa.array([dt.datetime(2021, 3, 2, 20, 15)] * len(rows), pa.timestamp("s")),
        "source": [r["source"] for r in rows],
    })
    path = tmp_path / "dump.parquet"
    pq.write_table(table, path, row_group_size=5)
    want = predict_file(tiny_model_dir, path, output=tmp_path / "local.jsonl", device="cpu", batch_size=1,
                        progress=False)
    got = predict_with_ray(tiny_model_dir, path, output=tmp_path / "ray.jsonl", num_workers=1, batch_size=1,
                           docs_per_task=4)
    assert counts(got) == counts(want) and got.rejected == 1
    assert (tmp_path / "ray.jsonl").read_bytes() == (tmp_path / "local.jsonl").read_bytes()
    assert got.rejects_path.read_bytes() == want.rejects_path.read_bytes()
    assert json.loads((tmp_path / "ray.jsonl").read_text(encoding="utf-8").splitlines()[0])["meta"]["published"] == \
        "2021-03-02T20:15:00"


@needs_ray
@pytest.mark.slow
def test_a_folder_of_shards_gets_file_line_ids_and_one_document_per_id(ray_local, tiny_model_dir, tmp_path, dump):
    from rasd.inference.ray_engine import predict_with_ray

    shards = tmp_path / "shards"
    shards.mkdir()
    write_jsonl(shards / "part-0.jsonl", [dump[1], {"text": dump[2]["text"]}])
    write_jsonl(shards / "part-1.jsonl", [dump[3], {**dump[1], "title": "again"}])
    got = predict_with_ray(tiny_model_dir, shards, output=tmp_path / "out.jsonl", num_workers=1)
    ids = sorted(json.loads(x)["id"] for x in (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines())
    assert ids == sorted([dump[1]["id"], "part-0.jsonl:2", dump[3]["id"]])
    assert (got.scored, got.duplicates, got.ids_from_lines) == (3, 1, 1)
    reject = json.loads(got.rejects_path.read_text(encoding="utf-8"))
    assert "duplicate id" in reject["reason"] and reject["raw"]["title"] == "again"


@needs_ray
@pytest.mark.slow
def test_cli_predict_engine_ray(ray_local, tiny_model_dir, tmp_path, dump, capsys):
    from rasd.cli import main

    subset = write_jsonl(tmp_path / "subset.jsonl", dump[:8])
    out = tmp_path / "out.jsonl"
    assert main(["predict", str(tiny_model_dir), str(subset), "-o", str(out), "--engine", "ray", "--num-workers", "1",
                 "--device", "cpu"]) == 0
    assert "8 scored" in capsys.readouterr().err
    assert [json.loads(x)["id"] for x in out.read_text(encoding="utf-8").splitlines()] == [d["id"] for d in dump[:8]]
