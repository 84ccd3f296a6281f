"""`rasd export --to onnx` and the ONNX Runtime back-end: same logits (fp32), same labels (mostly, int8)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from transformers import AutoTokenizer

from rasd.errors import ConfigError, MissingExtraError, ModelLoadError
from rasd.inference.backends import TorchBackend
from rasd.inference.batching import pad
from rasd.inference.extractor import Extractor
from rasd.inference.loading import load_torch_model
from rasd.inference.onnx_backend import MODEL_FILE, OnnxBackend, export_onnx
from rasd.models.modeling import RasdModel

pytest.importorskip("onnxruntime")

@pytest.fixture(scope="module")
def onnx_dir(tiny_model_dir: Path, tmp_path_factory) -> Path:
    return export_onnx(tiny_model_dir, tmp_path_factory.mktemp("onnx"))


@pytest.fixture(scope="module")
def int8_dir(tiny_model_dir: Path, tmp_path_factory) -> Path:
    return export_onnx(tiny_model_dir, tmp_path_factory.mktemp("onnx-int8"), quantize="int8")


@pytest.fixture(scope="module")
def torch_backend(tiny_model_dir: Path) -> TorchBackend:
    return TorchBackend(load_torch_model(tiny_model_dir), "cpu", torch.float32)


@pytest.fixture(scope="module")
def corpus_batches(tiny_model_dir: Path, corpus_dir: Path) -> list[tuple[np.ndarray, np.ndarray]]:
    """Test-corpus sentences as padded id batches of 16."""
    tokenizer = AutoTokenizer.from_pretrained(tiny_model_dir)
    texts = [json.loads(line)["text"] for line in (corpus_dir / "test.jsonl").open(encoding="utf-8")]
    rows = [tokenizer(t, truncation=True, max_length=96)["input_ids"] for t in texts]
    return [pad(rows[i : i + 16], tokenizer.pad_token_id) for i in range(0, len(rows), 16)]


def random_batch(batch: int, length: int, vocab: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    ids = rng.integers(5, vocab, size=(batch, length), dtype=np.int64)
    mask = np.ones_like(ids)
    mask[0, max(1, length // 3) :] = 0  # one padded row
    return ids, mask


def test_export_directory_is_self_contained(onnx_dir: Path) -> None:
    import onnx

    names = {p.name for p in onnx_dir.iterdir()}
    assert {MODEL_FILE, "config.json", "label_schema.yaml", "tokenizer.json", "README.md"} <= names
    assert not [n for n in names if n.startswith(".export-")]
    graph = onnx.load(str(onnx_dir / MODEL_FILE)).graph
    assert [i.name for i in graph.input] == ["input_ids", "attention_mask"]
    assert [o.name for o in graph.output] == ["slot_logits", "event_logits"]
    for value in (*graph.input, *graph.output):
        dims = value.type.tensor_type.shape.dim
        assert dims[0].dim_param == "batch", value.name  # symbolic, not the export example's size
    assert graph.input[0].type.tensor_type.shape.dim[1].dim_param == "sequence"


@pytest.mark.parametrize(("batch", "length"), [(1, 1), (2, 8), (3, 41), (7, 96)])
def test_fp32_logits_match_torch(onnx_dir: Path, torch_backend: TorchBackend, batch: int, length: int) -> None:
    ids, mask = random_batch(batch, length, torch_backend.model.config.encoder.vocab_size, seed=length)
    (slots, events), (ref_slots, ref_events) = OnnxBackend.load(onnx_dir)(ids, mask), torch_backend(ids, mask)
    np.testing.assert_allclose(slots, ref_slots, atol=1e-4, rtol=0)
    np.testing.assert_allclose(events, ref_events, atol=1e-4, rtol=0)


def test_int8_agrees_on_labels_for_most_tokens(int8_dir: Path, onnx_dir: Path, torch_backend: TorchBackend,
                                                corpus_batches) -> None:
    backend = OnnxBackend.load(int8_dir)
    same_tokens = n_tokens = same_events = n_events = 0
    for ids, mask in corpus_batches:
        (slots, events), (ref_slots, ref_events) = backend(ids, mask), torch_backend(ids, mask)
        real = mask.astype(bool)
        same_tokens += int((slots.argmax(-1) == ref_slots.argmax(-1))[real].sum())
        n_tokens += int(real.sum())
        same_events += int((events.argmax(-1) == ref_events.argmax(-1)).sum())
        n_events += len(ids)
    print(f"int8 vs fp32: {same_tokens / n_tokens:.4f} of tokens, {same_events / n_events:.4f} of events")
    assert same_tokens / n_tokens >= 0.95
    assert same_events / n_events >= 0.9
    assert (int8_dir / MODEL_FILE).stat().st_size < 0.5 * (onnx_dir / MODEL_FILE).stat().st_size


def test_extractor_onnx_predictions_equal_torch(tiny_model_dir: Path, onnx_dir: Path, corpus_dir: Path) -> None:
    news_dump = corpus_dir.parent / "samples" / "news_dump.jsonl"
    docs = [json.loads(line) for line in news_dump.open(encoding="utf-8")][:12]
    expected = Extractor.from_pretrained(tiny_model_dir, device="cpu").predict(docs, all_sentences=True)
    got = Extractor.from_pretrained(onnx_dir, backend="onnx").predict(docs, all_sentences=True)
    assert sum(len(d.sentences) for d in expected) > 20
    for e_doc, g_doc in zip(expected, got, strict=True):
        assert g_doc.id == e_doc.id
        for e, g in zip(e_doc.sentences, g_doc.sentences, strict=True):
            assert (g.start, g.end, g.event_type, g.event_labels) == (e.start, e.end, e.event_type, e.event_labels)
            assert g.event_score == pytest.approx(e.event_score, abs=2e-4)  # 4-decimal rounding of ~1e-6 noise
            assert [(s.label, s.start, s.end, s.text) for s in g.slots] == [(s.label, s.start, s.end, s.text) for s in e.slots]
            assert [s.score for s in g.slots] == pytest.approx([s.score for s in e.slots], abs=2e-4)


def test_slots_only_model_exports_only_slot_logits(tiny_model_dir: Path, tmp_path: Path) -> None:
    model_dir = tmp_path / "slots"
    RasdModel.from_pretrained(tiny_model_dir, task="slots").save_pretrained(model_dir)
    AutoTokenizer.from_pretrained(tiny_model_dir).save_pretrained(model_dir)
    backend = OnnxBackend.load(export_onnx(model_dir, tmp_path / "onnx"))
    assert backend.output_names == ["slot_logits"]
    slots, events = backend(*random_batch(2, 12, 100))
    assert slots.shape[:2] == (2, 12) and events is None
    predictions = Extractor.from_pretrained(tmp_path / "onnx", backend="onnx").predict(["قصفت طائرة مسيرة موقعا قرب الميادين."])
    assert predictions[0].n_sentences == 1


def test_dynamo_exporter_gives_the_same_graph_outputs(tiny_model_dir: Path, torch_backend: TorchBackend, tmp_path: Path) -> None:
    pytest.importorskip("onnxscript")
    out = export_onnx(tiny_model_dir, tmp_path / "dynamo", exporter="dynamo", quantize="int8")
    ids, mask = random_batch(3, 29, torch_backend.model.config.encoder.vocab_size)
    slots, _ = OnnxBackend.load(out)(ids, mask)
    ref_slots, _ = torch_backend(ids, mask)
    assert (slots.argmax(-1) == ref_slots.argmax(-1))[mask.astype(bool)].mean() >= 0.9


def test_errors_name_the_fix(tiny_model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigError, match="quantize"):
        export_onnx(tiny_model_dir, tmp_path / "x", quantize="int4")
    with pytest.raises(ModelLoadError, match="rasd export"):
        OnnxBackend.load(tmp_path)
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # as if the extra were not installed
    with pytest.raises(MissingExtraError, match=r"rasd\[onnx\]"):
        OnnxBackend.load(tmp_path)


def test_mean_pooled_model_exports_with_the_same_predictions(tiny_model_dir: Path, tmp_path: Path) -> None:
    """event_pooling/word_pooling mean live in the graph (events) and in the shared decoder (slots):
    the ONNX model gives the torch model's logits, on padded rows too, and the same predictions."""
    from rasd.inference.loading import load_config

    config = load_config(tiny_model_dir)
    config.event_pooling, config.word_pooling = "mean", "mean"
    torch.manual_seed(0)
    model_dir = tmp_path / "mean"
    RasdModel(config).save_pretrained(model_dir)  # random heads: the check is on parity, not quality
    AutoTokenizer.from_pretrained(tiny_model_dir).save_pretrained(model_dir)
    out = export_onnx(model_dir, tmp_path / "onnx")
    ids, mask = random_batch(3, 24, config.encoder.vocab_size)
    reference = TorchBackend(load_torch_model(model_dir), "cpu", torch.float32)(ids, mask)
    for got, want in zip(OnnxBackend.load(out)(ids, mask), reference, strict=True):
        keep = mask.astype(bool) if got.ndim == 3 else slice(None)
        assert np.allclose(got[keep], want[keep], atol=1e-4)
    texts = ["قصفت طائرة مسيرة مواقع قرب الميادين فجر اليوم. وقال المرصد إن القصف أوقع قتلى."]
    a = Extractor.from_pretrained(model_dir).predict(texts, all_sentences=True)
    b = Extractor.from_pretrained(out, backend="onnx").predict(texts, all_sentences=True)
    key = lambda docs: [(s.start, s.end, s.event_type, [(x.label, x.start, x.end) for x in s.slots])  # noqa: E731
                        for d in docs for s in d.sentences]
    assert key(a) == key(b) and len(key(a)) == 2
