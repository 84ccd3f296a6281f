"""`predict_file` on the sample dump: every input kind, offsets into the original text, rejects, CSV, resume."""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from rasd.errors import ConfigError, DataError
from rasd.inference.outputs import DocumentPrediction
from rasd.inference.run import PredictSummary, load_extractor, predict_file
from rasd.inference.writers import CSV_COLUMNS

REPO = Path(__file__).parents[2]
DUMP = REPO / "data" / "samples" / "news_dump.jsonl"


# --- helpers -------------------------------------------------------------------------------------

def read_predictions(path: Path) -> list[DocumentPrediction]:
    return [DocumentPrediction.from_dict(json.loads(line)) for line in path.read_text(encoding="utf-8").splitlines()]


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def check_offsets(preds: list[DocumentPrediction], texts: dict[str, str]) -> int:
    """Every sentence and slot slices the ORIGINAL document text; returns how many slots were checked."""
    n = 0
    for doc in preds:
        text = texts[doc.id]
        for s in doc.sentences:
            assert text[s.start:s.end] == s.text, (doc.id, s.start, s.end)
            for slot in s.slots:
                assert text[slot.start:slot.end] == slot.text, (doc.id, slot)
                assert s.start <= slot.start < slot.end <= s.end
                n += 1
    return n


def assert_same(got: list[DocumentPrediction], want: list[DocumentPrediction], *, ids: bool = True) -> None:
    """Same documents, sentences, labels and spans; scores equal up to float noise."""
    assert len(got) == len(want)
    for g, w in zip(got, want, strict=True):
        if ids:
            assert g.id == w.id
        assert g.n_sentences == w.n_sentences, g.id
        assert [(s.start, s.end, s.text, s.event_type, s.event_labels) for s in g.sentences] == \
               [(s.start, s.end, s.text, s.event_type, s.event_labels) for s in w.sentences], g.id
        for gs, ws in zip(g.sentences, w.sentences, strict=True):
            assert gs.event_score == pytest.approx(ws.event_score, abs=2e-3)
            assert [(x.label, x.text, x.start, x.end) for x in gs.slots] == [(x.label, x.text, x.start, x.end) for x in ws.slots]
            assert [x.score for x in gs.slots] == pytest.approx([x.score for x in ws.slots], abs=2e-3)


def records_of(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


# --- fixtures ------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def extractor(tiny_model_dir):
    return load_extractor(tiny_model_dir, device="cpu", batch_size=32)


@pytest.fixture(scope="module")
def dump() -> list[dict]:
    return records_of(DUMP)


@pytest.fixture(scope="module")
def subset(dump) -> list[dict]:
    """40 documents of the sample dump, one of them empty (nd-a-063)."""
    return dump[30:70]


@pytest.fixture(scope="module")
def subset_reference(tmp_path_factory, extractor, subset) -> list[DocumentPrediction]:
    path = write_jsonl(tmp_path_factory.mktemp("reference") / "subset.jsonl", subset)
    out = path.with_name("out.jsonl")
    predict_file(extractor, path, output=out, progress=False)
    return read_predictions(out)


# --- the sample dump -----------------------------------------------------------------------------

def test_sample_dump_offsets_slice_the_original_text(tmp_path, extractor, dump):
    out = tmp_path / "predictions.jsonl"
    summary = predict_file(extractor, DUMP, output=out, progress=False)
    preds = read_predictions(out)
    assert [p.id for p in preds] == [r["id"] for r in dump]
    texts = {r["id"]: r["text"] for r in dump}
    n_slots = check_offsets(preds, texts)
    assert n_slots > 100 and sum(len(p.sentences) for p in preds) > 100
    for p, r in zip(preds, dump, strict=True):
        assert p.meta == {k: v for k, v in r.items() if k not in ("id", "text")}
    assert isinstance(summary, PredictSummary) and summary.output == out
    assert (summary.read, summary.scored, summary.rejected, summary.skipped) == (len(dump), len(dump), 0, 0)
    assert summary.empty == sum(1 for r in dump if not r["text"].strip()) == 5
    assert summary.sentences == sum(p.n_sentences for p in preds)
    assert summary.event_sentences == sum(len(p.sentences) for p in preds)  # default: event sentences only
    assert summary.slots == n_slots
    assert summary.rejects_path is None and not (tmp_path / "predictions.rejects.jsonl").exists()
    assert summary.docs_per_second > 0 and summary.sentences_per_second > 0
    text = summary.render()
    assert f"{len(dump)} scored (5 empty)" in text and "documents/s" in text and "sentences/s" in text
    assert json.loads(json.dumps(summary.to_dict()))["scored"] == len(dump)


# --- input kinds ---------------------------------------------------------------------------------

def test_every_input_kind_gives_the_same_predictions(tmp_path, extractor, subset, subset_reference):
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    jsonl = write_jsonl(tmp_path / "dump.jsonl", subset)
    (tmp_path / "dump.jsonl.gz").write_bytes(gzip.compress(jsonl.read_bytes()))
    with open(tmp_path / "dump.csv", "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=["id", "title", "text", "published", "source"])
        w.writeheader()
        w.writerows(subset)
    pq.write_table(pa.Table.from_pylist(subset), tmp_path / "dump.parquet", row_group_size=16)
    folder = tmp_path / "txt"
    folder.mkdir()
    for i, r in enumerate(subset):
        (folder / f"{i:03d}-{r['id']}.txt").write_text(r["text"], encoding="utf-8")

    texts = {r["id"]: r["text"] for r in subset}
    for name in ("dump.jsonl.gz", "dump.csv", "dump.parquet"):
        out = tmp_path / f"{name}.out.jsonl"
        summary = predict_file(extractor, tmp_path / name, output=out, progress=False)
        assert summary.scored == len(subset), name
        preds = read_predictions(out)
        assert_same(preds, subset_reference)
        assert [p.meta for p in preds] == [p.meta for p in subset_reference], name
        check_offsets(preds, texts)
    out = tmp_path / "txt.out.jsonl"
    predict_file(extractor, folder, output=out, progress=False)
    preds = read_predictions(out)
    assert [p.id for p in preds] == [f"{i:03d}-{r['id']}.txt" for i, r in enumerate(subset)]
    assert_same(preds, subset_reference, ids=False)


def test_stdin_to_stdout_through_the_cli(tmp_path, tiny_model_dir, subset, subset_reference):
    data = write_jsonl(tmp_path / "dump.jsonl", subset).read_bytes()
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
    proc = subprocess.run([sys.executable, "-m", "rasd.cli", "predict", str(tiny_model_dir), "-", "--device", "cpu",
                           "--batch-size", "32"], input=data, capture_output=True, cwd=tmp_path, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr.decode()
    preds = [DocumentPrediction.from_dict(json.loads(line)) for line in proc.stdout.decode().splitlines()]
    assert_same(preds, subset_reference)
    assert "40 scored" in proc.stderr.decode() and "stdin" in proc.stderr.decode()
    assert not (tmp_path / "stdout.rejects.jsonl").exists()


# --- bad input, empty documents, duplicates -------------------------------------------------------

def test_rejects_go_to_a_file_and_scoring_goes_on(tmp_path, extractor, subset):
    good = [json.dumps(r, ensure_ascii=False).encode() for r in subset[:3]]
    lines = [
        good[0],
        b'{"id": "broken", "text": "\xd9\x82\xd8\xb5',  # bad JSON (cut)
        b'{"id": "no-text", "body": "x"}',
        good[1],
        b'{"id": "latin1", "text": "caf\xe9"}',  # not UTF-8
        b'{"id": "number", "text": 12}',
        b'{"id": "empty", "text": ""}',
        b'{"id": "blank", "text": " \\n\\t \\u200f "}',
        good[0],  # duplicate id: the first one is kept
        b'{"text": "\xd9\x82\xd8\xb5\xd9\x81 \xd8\xb9\xd9\x84\xd9\x89 \xd8\xad\xd9\x84\xd8\xa8.", "source": "x"}',
        good[2],
    ]
    path = tmp_path / "dump.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    out = tmp_path / "out.jsonl"
    summary = predict_file(extractor, path, output=out, progress=False)
    preds = read_predictions(out)
    ids = [subset[0]["id"], subset[1]["id"], "empty", "blank", "line:10", subset[2]["id"]]
    assert [p.id for p in preds] == ids  # id of the line without one: its line number
    by_id = {p.id: p for p in preds}
    assert by_id["empty"].sentences == [] and by_id["empty"].n_sentences == 0
    assert by_id["blank"].sentences == [] and by_id["blank"].n_sentences == 0
    assert by_id["line:10"].meta == {"source": "x"}
    rejects = records_of(tmp_path / "out.rejects.jsonl")
    assert [(r["line"], r["reason"].split(" ")[0]) for r in rejects] == [
        (2, "invalid"), (3, "no"), (5, "not"), (6, "field"), (9, "duplicate")]
    assert "UTF-8" in rejects[2]["reason"] and "not a string" in rejects[3]["reason"]
    assert rejects[1]["raw"] == '{"id": "no-text", "body": "x"}'
    assert rejects[4]["raw"]["id"] == subset[0]["id"]
    assert (summary.read, summary.scored, summary.rejected, summary.duplicates, summary.empty) == (11, 6, 5, 1, 2)
    assert summary.rejects_path == tmp_path / "out.rejects.jsonl"
    assert summary.ids_from_lines == 1
    assert "5 rejected (duplicate ids: 1)" in summary.render() and "--id-field" in summary.render()


def test_input_problems_fail_before_the_model_loads(tmp_path):
    missing_model = tmp_path / "no-model"
    with pytest.raises(DataError, match="file not found"):
        predict_file(missing_model, tmp_path / "missing.jsonl", output=tmp_path / "o.jsonl", progress=False)
    with pytest.raises(ConfigError, match="--resume needs -o"):
        predict_file(missing_model, DUMP, resume=True, progress=False)
    with pytest.raises(ConfigError, match="same file"):
        predict_file(missing_model, DUMP, output=DUMP, progress=False)
    with pytest.raises(ConfigError, match="--format"):
        predict_file(missing_model, DUMP, output=tmp_path / "o.tsv", fmt="tsv", progress=False)
    with pytest.raises(ConfigError, match="compressed"):
        predict_file(missing_model, DUMP, output=tmp_path / "o.jsonl.gz", progress=False)


# --- CSV output ----------------------------------------------------------------------------------

def test_csv_output_one_row_per_slot(tmp_path, extractor, subset, subset_reference):
    path = write_jsonl(tmp_path / "dump.jsonl", subset)
    out = tmp_path / "out.csv"
    summary = predict_file(extractor, path, output=out, fmt="csv", progress=False)
    with open(out, encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        rows = list(reader)
        assert reader.fieldnames == [*CSV_COLUMNS, "title", "published", "source"]
    texts = {r["id"]: r["text"] for r in subset}
    expected = []
    for doc in subset_reference:
        if not doc.sentences:
            expected.append((doc.id, "", "", ""))
        for s in doc.sentences:
            expected.extend([(doc.id, str(s.start), s.event_type, x.label) for x in s.slots] or
                            [(doc.id, str(s.start), s.event_type, "")])
    assert [(r["id"], r["sentence_start"], r["event_type"], r["slot_label"]) for r in rows] == expected
    for r in rows:
        text = texts[r["id"]]
        if r["sentence_start"]:
            assert text[int(r["sentence_start"]):int(r["sentence_end"])] == r["sentence_text"]
        if r["slot_label"]:
            assert text[int(r["slot_start"]):int(r["slot_end"])] == r["slot_text"]
            assert 0 < float(r["slot_score"]) <= 1
    assert {r["id"] for r in rows} == set(texts)  # the empty document has its row too
    assert summary.slots == sum(1 for r in rows if r["slot_label"])
    src = {r["id"]: r for r in subset}
    assert all(r["published"] == src[r["id"]]["published"] and r["source"] == src[r["id"]]["source"] for r in rows)


# --- resume --------------------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_resume_after_a_cut_gives_every_id_once(tmp_path, extractor, subset, fmt):
    records = [*subset, {"id": subset[0]["id"], "text": "نسخة مكررة"}]  # a duplicate: rejected both times
    path = write_jsonl(tmp_path / "dump.jsonl", records)
    with open(path, "a", encoding="utf-8") as f:
        f.write("{not json\n")
    out = tmp_path / f"out.{fmt}"
    first = predict_file(extractor, path, output=out, fmt=fmt, progress=False)
    whole = out.read_bytes()
    rejects = (tmp_path / "out.rejects.jsonl").read_bytes()
    out.write_bytes(whole[: len(whole) // 2 + 7])  # as if killed while writing

    summary = predict_file(extractor, path, output=out, fmt=fmt, resume=True, progress=False)
    assert summary.truncated_bytes > 0 and 0 < summary.skipped < len(subset)
    assert summary.skipped + summary.scored == len(subset) == first.scored
    assert (tmp_path / "out.rejects.jsonl").read_bytes() == rejects  # rewritten, not appended
    if fmt == "jsonl":
        ids = [p.id for p in read_predictions(out)]
        assert_same(read_predictions(out), read_predictions_from_bytes(whole))
    else:
        with open(out, encoding="utf-8", newline="") as f:
            rows = list(csv.DictReader(f))
        ids = list(dict.fromkeys(r["id"] for r in rows))
        assert len(rows) == len(list(csv.DictReader(io.StringIO(whole.decode()))))
    assert ids == [r["id"] for r in subset]

    again = predict_file(extractor, path, output=out, fmt=fmt, resume=True, progress=False)
    assert again.skipped + again.scored == len(subset) and again.scored <= 1  # CSV re-scores its last document


def read_predictions_from_bytes(data: bytes) -> list[DocumentPrediction]:
    return [DocumentPrediction.from_dict(json.loads(line)) for line in data.decode().splitlines()]


# --- a very long document ------------------------------------------------------------------------

def test_one_megabyte_document(tmp_path, extractor, dump):
    """~1 MB of UTF-8 from the sample dump, with a run-on 'sentence' of ~12,000 characters that the
    extractor must cut into windows: it is scored, and every offset slices the original text."""
    parts, size = [], 0
    run_on = " ".join(r["text"] for r in dump[:40]).translate({ord(c): " " for c in ".!?؟…\n\r"})
    run_on = re.sub(r"[اإأ]قر[أا]", "قرأ", run_on)[:12_000]  # no "اقرأ أيضاً" (it starts a new sentence)
    i = 0
    while size < 1_000_000:
        text = dump[i % len(dump)]["text"]
        parts.append(text)
        size += len(text.encode()) + 2
        if i == 100:
            parts.append(run_on)
        i += 1
    text = "\n\n".join(parts)
    assert len(text.encode()) >= 1_000_000
    path = write_jsonl(tmp_path / "big.jsonl", [{"id": "big", "text": text}])
    out = tmp_path / "out.jsonl"
    summary = predict_file(extractor, path, output=out, all_sentences=True, progress=False)
    [doc] = read_predictions(out)
    assert summary.scored == 1 and doc.n_sentences == len(doc.sentences) > 1000
    assert check_offsets([doc], {"big": text}) > 0
    longest = max(doc.sentences, key=lambda s: s.end - s.start)
    assert longest.end - longest.start > 10_000 and text[longest.start:longest.end] == longest.text
