"""`rasd pretrain` on a tiny encoder built from the shipped corpus: packing, MLM steps, resume, reuse."""

from __future__ import annotations

import json

import pytest
from support import CORPUS, TINY_ENCODER, tiny_config

from rasd.cli import main
from rasd.errors import ConfigError
from rasd.text.normalize import build_normalizer
from rasd.training.pretrain import PretrainConfig, packed_examples


@pytest.fixture(scope="module")
def tiny_encoder(tmp_path_factory):
    from rasd.training.compact import build_compact_encoder
    from rasd.training.config import CompactEncoderConfig

    texts = [json.loads(line)["text"] for line in (CORPUS / "train.jsonl").read_text(encoding="utf-8").splitlines()]
    return build_compact_encoder(texts, CompactEncoderConfig(**TINY_ENCODER), build_normalizer({"kind": "basic"}),
                                 tmp_path_factory.mktemp("enc") / "tiny", seed=3)


@pytest.fixture(scope="module")
def dump(tmp_path_factory):
    """Documents of the shipped corpus as an unlabelled dump, plus one unusable record."""
    by_doc: dict[str, list[str]] = {}
    for line in (CORPUS / "train.jsonl").read_text(encoding="utf-8").splitlines():
        r = json.loads(line)
        by_doc.setdefault(r["doc_id"], []).append(r["text"])
    path = tmp_path_factory.mktemp("dump") / "dump.jsonl"
    rows = [json.dumps({"id": d, "text": " ".join(s)}, ensure_ascii=False) for d, s in by_doc.items()]
    path.write_text("\n".join(rows[:40] + ['{"id": "bad", "text": 7}']) + "\n", encoding="utf-8")
    return path


def test_packing_fills_every_example_and_wraps_it_in_special_tokens(tiny_encoder):
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(tiny_encoder)
    texts = ["قصفت الميليشيات القاعدة. وردت القوات بالمدفعية على مواقع الميليشيات.", "انفجار في مستودع للذخيرة."] * 5
    examples = list(packed_examples(iter(texts), tok, build_normalizer({"kind": "basic"}), max_length=12))
    assert examples and all(len(e["input_ids"]) == 12 for e in examples)
    assert all(e["input_ids"][0] == tok.cls_token_id and e["input_ids"][-1] == tok.sep_token_id for e in examples)
    body = [i for e in examples for i in e["input_ids"][1:-1]]
    everything = [i for t in texts for i in tok(t.replace(". ", ".\n").split("\n"), add_special_tokens=False)["input_ids"]
                  for i in i]
    assert body == everything[: len(body)]  # in order, nothing dropped but the unfilled tail


def test_a_stream_needs_max_steps():
    with pytest.raises(ConfigError, match="max_steps must be a positive number"):
        PretrainConfig(model_name_or_path="x", data="d.jsonl", output_dir="o", training={})


@pytest.mark.slow
def test_pretrain_learns_resumes_and_feeds_fine_tuning(tiny_encoder, dump, tmp_path):
    out = tmp_path / "adapted"
    common = [str(tiny_encoder), str(dump), "per_device_train_batch_size=8", "save_steps=4", "seed=1", "learning_rate=2e-3",
              "disable_tqdm=true", "logging_steps=1", "-o", str(out), "--max-length", "32"]
    assert main(["pretrain", *common, "--max-steps", "4"]) == 0
    first = json.loads(sorted(out.glob("checkpoint-*/trainer_state.json"))[-1].read_text())
    assert first["global_step"] == 4
    assert main(["pretrain", *common, "--max-steps", "4"]) == 1  # an existing run is not overwritten
    # Resume to 12 steps: the run continues from checkpoint-4 instead of starting again.
    assert main(["pretrain", *common, "--max-steps", "12", "--resume"]) == 0
    state = json.loads(sorted(out.glob("checkpoint-*/trainer_state.json"), key=lambda p: int(p.parent.name[11:]))[-1]
                       .read_text())
    assert state["global_step"] == 12
    losses = [e["loss"] for e in state["log_history"] if "loss" in e]
    assert losses[0] == first["log_history"][0]["loss"]  # the first steps are the first run's, not redone
    assert sum(losses[-3:]) / 3 < sum(losses[:3]) / 3  # masked-LM loss goes down
    assert (out / "README.md").read_text(encoding="utf-8").count(str(dump)) == 1

    from rasd.training.config import config_from_dict
    from rasd.training.train import train

    cfg = tiny_config(tmp_path / "tuned", compact_encoder=None, model_name_or_path=str(out), num_train_epochs=1)
    result = train(config_from_dict(cfg))
    assert (result.output_dir / "model.safetensors").is_file()
