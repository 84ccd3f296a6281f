"""`rasd export --to hf-heads`: stock checkpoints whose logits and pipeline labels equal the joint model's."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from transformers import (
    AutoConfig,
    AutoModelForSequenceClassification,
    AutoModelForTokenClassification,
    AutoTokenizer,
    pipeline,
)

from rasd.errors import ModelLoadError
from rasd.models.configuration import RasdConfig
from rasd.models.export import SEQUENCE_DIR, TOKEN_DIR, export_hf_heads
from rasd.models.modeling import RasdModel
from rasd.text.normalize import build_normalizer

SLOT_TAGS = ["O", "B-LOCATION", "I-LOCATION", "B-WEAPON", "I-WEAPON"]
EVENTS = ["air_drone_strike", "armed_clash", "none"]


@pytest.fixture(scope="module")
def hf_dir(tiny_model_dir: Path, tmp_path_factory) -> Path:
    return export_hf_heads(tiny_model_dir, tmp_path_factory.mktemp("hf-heads"))


@pytest.fixture(scope="module")
def sentences(tiny_model_dir: Path, corpus_dir: Path) -> list[str]:
    """Test-corpus sentences as the joint model reads them (rasd-normalized), short enough for one window."""
    config = RasdConfig.from_pretrained(tiny_model_dir)
    normalize = build_normalizer(config.preprocessing)
    texts = [normalize(json.loads(line)["text"]).text for line in (corpus_dir / "test.jsonl").open(encoding="utf-8")]
    tokenizer = AutoTokenizer.from_pretrained(tiny_model_dir)
    return [t for t in texts if len(tokenizer(t)["input_ids"]) <= config.encoder.max_position_embeddings][:60]


def joint_logits(model_dir: Path, texts: list[str]) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    batch = tokenizer(texts, padding=True, return_tensors="pt")
    with torch.no_grad():
        out = RasdModel.from_pretrained(model_dir).eval()(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"])
    return batch["attention_mask"].bool(), out.slot_logits, out.event_logits


def test_exports_two_loadable_checkpoints(hf_dir: Path) -> None:
    for sub in (TOKEN_DIR, SEQUENCE_DIR):
        names = {p.name for p in (hf_dir / sub).iterdir()}
        assert {"config.json", "model.safetensors", "tokenizer.json", "README.md"} <= names
        assert "normalize" in (hf_dir / sub / "README.md").read_text(encoding="utf-8")
    seq = AutoConfig.from_pretrained(hf_dir / SEQUENCE_DIR)
    assert seq.architectures == ["BertForSequenceClassification"]
    assert seq.problem_type == "single_label_classification"
    assert seq.rasd_preprocessing == {"kind": "basic"}
    assert AutoConfig.from_pretrained(hf_dir / TOKEN_DIR).id2label[0] == "O"


def test_logits_equal_the_joint_model(tiny_model_dir: Path, hf_dir: Path, sentences: list[str]) -> None:
    mask, slot_logits, event_logits = joint_logits(tiny_model_dir, sentences)
    tokenizer = AutoTokenizer.from_pretrained(hf_dir / TOKEN_DIR)
    batch = tokenizer(sentences, padding=True, return_tensors="pt")
    with torch.no_grad():
        tokens = AutoModelForTokenClassification.from_pretrained(hf_dir / TOKEN_DIR).eval()(**batch).logits
        events = AutoModelForSequenceClassification.from_pretrained(hf_dir / SEQUENCE_DIR).eval()(**batch).logits
    torch.testing.assert_close(tokens[mask], slot_logits[mask], atol=1e-5, rtol=0)
    torch.testing.assert_close(events, event_logits, atol=1e-5, rtol=0)


def test_pipelines_give_the_joint_model_labels(tiny_model_dir: Path, hf_dir: Path, sentences: list[str]) -> None:
    config = RasdConfig.from_pretrained(tiny_model_dir)
    mask, slot_logits, event_logits = joint_logits(tiny_model_dir, sentences)
    tagger = pipeline("token-classification", model=str(hf_dir / TOKEN_DIR))
    classifier = pipeline("text-classification", model=str(hf_dir / SEQUENCE_DIR))

    expected_events = [config.event_labels[i] for i in event_logits.argmax(-1).tolist()]
    assert [r["label"] for r in classifier(sentences)] == expected_events

    tagged = tagger(sentences)
    n_entities = 0
    for row, entities in enumerate(tagged):
        n = int(mask[row].sum())
        tags = [config.id2label[i] for i in slot_logits[row, :n].argmax(-1).tolist()]
        expected = {(i, tag) for i, tag in enumerate(tags) if tag != "O" and 0 < i < n - 1}  # not [CLS]/[SEP]
        assert {(e["index"], e["entity"]) for e in entities} == expected, sentences[row]
        n_entities += len(expected)
    assert n_entities > 0  # the trained model tags something, so the comparison means something


def random_model_dir(path: Path, tokenizer_dir: Path, *, model_type: str = "bert", task: str = "joint",
                     multi_label: bool = False) -> Path:
    """A small random joint model of any encoder family, saved like a trained one."""
    tokenizer = AutoTokenizer.from_pretrained(tokenizer_dir)
    encoder = AutoConfig.for_model(model_type, vocab_size=len(tokenizer), hidden_size=32, num_hidden_layers=1,
                                   num_attention_heads=2, intermediate_size=37, max_position_embeddings=130,
                                   pad_token_id=tokenizer.pad_token_id)
    config = RasdConfig(encoder=encoder, task=task, id2label=dict(enumerate(SLOT_TAGS)),
                        label2id={t: i for i, t in enumerate(SLOT_TAGS)}, event_labels=EVENTS,
                        multi_label=multi_label, preprocessing={"kind": "basic"})
    torch.manual_seed(0)
    RasdModel(config).save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path


def assert_exports_match(model_dir: Path, out: Path) -> None:
    model = RasdModel.from_pretrained(model_dir).eval()
    ids = torch.randint(5, model.config.encoder.vocab_size, (3, 17))
    mask = torch.ones_like(ids)
    mask[1, 9:] = 0
    with torch.no_grad():
        joint = model(input_ids=ids, attention_mask=mask)
        if model.config.has_slot_head:
            tokens = AutoModelForTokenClassification.from_pretrained(out / TOKEN_DIR).eval()
            torch.testing.assert_close(tokens(input_ids=ids, attention_mask=mask).logits, joint.slot_logits,
                                       atol=1e-5, rtol=0)
        if model.config.has_event_head:
            seq = AutoModelForSequenceClassification.from_pretrained(out / SEQUENCE_DIR).eval()
            torch.testing.assert_close(seq(input_ids=ids, attention_mask=mask).logits, joint.event_logits,
                                       atol=1e-5, rtol=0)


@pytest.mark.parametrize("model_type", ["bert", "roberta", "xlm-roberta"])
def test_weight_mapping_per_encoder_family(tiny_model_dir: Path, tmp_path: Path, model_type: str) -> None:
    model_dir = random_model_dir(tmp_path / "model", tiny_model_dir, model_type=model_type)
    out = export_hf_heads(model_dir, tmp_path / "hf")
    assert_exports_match(model_dir, out)


@pytest.mark.parametrize(("task", "present", "absent"), [("slots", TOKEN_DIR, SEQUENCE_DIR),
                                                         ("events", SEQUENCE_DIR, TOKEN_DIR)])
def test_one_head_exports_only_that_head(tiny_model_dir: Path, tmp_path: Path, task: str, present: str,
                                         absent: str) -> None:
    model_dir = random_model_dir(tmp_path / "model", tiny_model_dir, task=task)
    out = export_hf_heads(model_dir, tmp_path / "hf")
    assert (out / present / "config.json").is_file()
    assert not (out / absent).exists()
    assert_exports_match(model_dir, out)


def test_multi_label_model_exports_multi_label_problem(tiny_model_dir: Path, tmp_path: Path) -> None:
    model_dir = random_model_dir(tmp_path / "model", tiny_model_dir, task="events", multi_label=True)
    out = export_hf_heads(model_dir, tmp_path / "hf")
    assert AutoConfig.from_pretrained(out / SEQUENCE_DIR).problem_type == "multi_label_classification"
    scores = pipeline("text-classification", model=str(out / SEQUENCE_DIR), top_k=None)(["قصف على دمشق"])[0]
    assert sum(s["score"] for s in scores) != pytest.approx(1.0)  # sigmoid per type, not a softmax


def test_unsupported_family_is_a_clear_error(tiny_model_dir: Path, tmp_path: Path) -> None:
    model_dir = random_model_dir(tmp_path / "model", tiny_model_dir, model_type="electra")
    with pytest.raises(ModelLoadError, match="'electra'.*supported: bert"):
        export_hf_heads(model_dir, tmp_path / "hf")
    # Its slot head alone is a stock token classifier.
    slots_dir = random_model_dir(tmp_path / "slots", tiny_model_dir, model_type="electra", task="slots")
    assert_exports_match(slots_dir, export_hf_heads(slots_dir, tmp_path / "hf-slots"))
