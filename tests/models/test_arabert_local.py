"""AraBERT from a local folder, end to end, without AraBERT's weights (issues 18 and 12, point 5).

The model is a random BERT with the real AraBERT-family tokenizer and 64k vocabulary from
../shared/encoders (see tests/arabert_support.py). It is cut to 2 layers of width 64 instead of AraBERT's
12 x 768: the real shape (110M parameters) takes minutes for a handful of steps on the 2 CPU
cores the suite runs on, and nothing rasd does depends on depth or width. What the AraBERT path
does depend on is real here: the folder layout `hf download --local-dir` leaves, the tokenizer,
the 64k vocabulary, 512 positions, arabert preprocessing and its offset map.
"""

from __future__ import annotations

import importlib.util
import json
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from arabert_support import HUB_ID
from support import CORPUS, REPO

from rasd.cli import main
from rasd.errors import ConfigError
from rasd.models.preprocessing import CLI_HINT, CONFIG_HINT, explain_preprocessing, saved_preprocessing
from rasd.training.config import load_config

README_FOLDER = "/models/arabertv02"
# A few training steps on small batches: enough to train, save and predict, in seconds.
QUICK = ["max_steps=3", "per_device_train_batch_size=8", "disable_tqdm=true", "early_stopping_patience=null"]


def readme_commands() -> dict[str, list[str]]:
    """The README's offline AraBERT commands (`hf download`, `rasd train`, `rasd predict`), as argv lists."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    block = next((b for b in re.findall(r"```bash\n(.*?)```", text, flags=re.S) if "hf download aubmindlab" in b), None)
    assert block is not None, "README: no bash block with the `hf download aubmindlab/...` recipe"
    lines = [shlex.split(line) for line in block.splitlines() if line.strip()]
    return {" ".join(argv[:2]): argv for argv in lines}


def run_rasd(argv: list[str]) -> subprocess.CompletedProcess[str]:
    """A `rasd` command line run as a user runs it, from the repository root."""
    return subprocess.run([sys.executable, "-m", "rasd.cli", *argv], cwd=REPO, capture_output=True, text=True,
                          timeout=300)


def reports(path: Path) -> Path:
    """Three dev documents as raw reports, with text that arabert preprocessing rewrites (URL, diacritics, digits)."""
    docs: dict[str, list[str]] = {}
    for line in (CORPUS / "dev.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        docs.setdefault(record["doc_id"], []).append(record["text"])
    with path.open("w", encoding="utf-8") as f:
        for doc_id, texts in list(docs.items())[:3]:
            text = "\n".join(texts) + " المصدر: http://t.co/x «قصفٌ» على ٣ مواقع."
            f.write(json.dumps({"id": doc_id, "text": text}, ensure_ascii=False) + "\n")
    return path


def assert_offsets_slice_raw_text(predictions: Path, inputs: Path) -> int:
    texts = {json.loads(line)["id"]: json.loads(line)["text"] for line in inputs.read_text(encoding="utf-8").splitlines()}
    n = 0
    for line in predictions.read_text(encoding="utf-8").splitlines():
        doc = json.loads(line)
        raw = texts[doc["id"]]
        for sentence in doc["sentences"]:
            assert raw[sentence["start"]:sentence["end"]] == sentence["text"]
            for slot in sentence["slots"]:
                assert raw[slot["start"]:slot["end"]] == slot["text"], (doc["id"], slot)
                n += 1
    return n


@pytest.fixture(scope="module")
def trained(tiny_arabert_factory, tmp_path_factory) -> dict[str, Path]:
    """`rasd train` with the README's command on a folder named `arabertv02`, and `rasd predict` on reports."""
    folder = tiny_arabert_factory("arabertv02")
    work = tmp_path_factory.mktemp("arabert-run")
    commands = readme_commands()
    out, inputs, predictions = work / "model", reports(work / "reports.jsonl"), work / "predictions.jsonl"
    swap = {README_FOLDER: str(folder), "runs/arabert": str(out), "reports.jsonl": str(inputs),
            "predictions.jsonl": str(predictions)}

    def fill(argv: list[str]) -> list[str]:
        for old, new in swap.items():
            argv = [a.replace(f"={old}", f"={new}") if a.endswith(f"={old}") else (new if a == old else a)
                    for a in argv]
        return argv

    train_argv = fill(commands["rasd train"])[1:] + [f"output_dir={out}", *QUICK]
    done = run_rasd(train_argv)
    assert done.returncode == 0, done.stderr[-3000:]
    done_predict = run_rasd(fill(commands["rasd predict"])[1:] + ["--all-sentences"])
    assert done_predict.returncode == 0, done_predict.stderr[-3000:]
    return {"folder": folder, "model": out, "inputs": inputs, "predictions": predictions, "train_log": done.stderr}


def test_readme_has_the_offline_recipe() -> None:
    commands = readme_commands()
    assert commands["hf download"][2:] == [HUB_ID, "--local-dir", README_FOLDER]
    assert commands["rasd train"][2:] == ["configs/arabert.yaml", f"model_name_or_path={README_FOLDER}"]
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert CONFIG_HINT in readme and CLI_HINT in readme
    assert "huggingface-cli" not in readme


@pytest.mark.slow
def test_local_folder_trains_with_arabert_preprocessing(trained: dict[str, Path]) -> None:
    config = json.loads((trained["model"] / "config.json").read_text(encoding="utf-8"))
    assert config["preprocessing"] == {"kind": "arabert", "model_name": HUB_ID}
    assert f"preprocessing: arabert for {HUB_ID!r}" in trained["train_log"]
    assert str(trained["folder"] / "config.json") in trained["train_log"]


@pytest.mark.slow
def test_predicted_offsets_slice_the_raw_text(trained: dict[str, Path]) -> None:
    assert assert_offsets_slice_raw_text(trained["predictions"], trained["inputs"]) > 0


@pytest.mark.slow
def test_predict_resolves_an_arabert_stored_as_a_local_path(trained: dict[str, Path], tmp_path: Path, capsys) -> None:
    """A model fine-tuned before names were resolved stored the encoder folder; `rasd predict` reads the folder,
    and where the folder is gone, says in one line which key of the model's config.json to set."""
    model = tmp_path / "fine-tuned-elsewhere"
    shutil.copytree(trained["model"], model)
    config = json.loads((model / "config.json").read_text(encoding="utf-8"))
    config["preprocessing"] = {"kind": "arabert", "model_name": str(trained["folder"])}
    (model / "config.json").write_text(json.dumps(config), encoding="utf-8")
    predictions = tmp_path / "p.jsonl"
    assert main(["predict", str(model), str(trained["inputs"]), "-o", str(predictions), "--all-sentences", "-q"]) == 0
    assert predictions.read_text(encoding="utf-8") == trained["predictions"].read_text(encoding="utf-8")

    config["preprocessing"]["model_name"] = config["encoder"]["_name_or_path"] = "/gone/arabertv02"
    (model / "config.json").write_text(json.dumps(config), encoding="utf-8")
    capsys.readouterr()
    assert main(["predict", str(model), str(trained["inputs"]), "-o", str(tmp_path / "q.jsonl"), "-q"]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    assert '"preprocessing": {"kind": "arabert", "model_name": "bert-base-arabertv02"}' in err
    with pytest.raises(ConfigError, match="neither a known AraBERT name"):
        saved_preprocessing(config["preprocessing"], model)


@pytest.mark.slow
def test_onnx_export_predicts_the_same_offsets(trained: dict[str, Path], tmp_path: Path) -> None:
    for module in ("onnx", "onnxruntime"):
        if importlib.util.find_spec(module) is None:
            pytest.skip(f"{module} is not installed (pip install 'rasd[onnx]')")
    onnx_dir, predictions = tmp_path / "onnx", tmp_path / "onnx.jsonl"
    assert main(["export", str(trained["model"]), "--to", "onnx", str(onnx_dir)]) == 0
    assert json.loads((onnx_dir / "config.json").read_text(encoding="utf-8"))["preprocessing"]["kind"] == "arabert"
    assert main(["predict", str(onnx_dir), str(trained["inputs"]), "-o", str(predictions), "--backend", "onnx",
                 "--all-sentences", "-q"]) == 0
    assert assert_offsets_slice_raw_text(predictions, trained["inputs"]) > 0
    torch_slots = [(s["start"], s["end"]) for line in trained["predictions"].read_text(encoding="utf-8").splitlines()
                   for sent in json.loads(line)["sentences"] for s in sent["slots"]]
    onnx_slots = [(s["start"], s["end"]) for line in predictions.read_text(encoding="utf-8").splitlines()
                  for sent in json.loads(line)["sentences"] for s in sent["slots"]]
    assert len(set(torch_slots) & set(onnx_slots)) >= 0.9 * len(torch_slots)


def test_folder_that_says_nothing_fails_naming_the_key(tiny_arabert_factory, tmp_path: Path, capsys,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tiny_arabert_factory("arabertv02", declares=None)
    monkeypatch.chdir(REPO)  # the config's data paths are relative to where `rasd` runs
    capsys.readouterr()  # building the folder printed a progress bar
    code = main(["train", "configs/arabert.yaml", f"model_name_or_path={folder}", f"output_dir={tmp_path}", *QUICK])
    err = capsys.readouterr().err.strip()
    assert code == 1
    assert len(err.splitlines()) == 1, err
    assert err.startswith("rasd train: error: ")
    assert CONFIG_HINT in err and CLI_HINT in err and str(folder) in err


def test_the_named_key_fixes_it_from_the_command_line(tiny_arabert_factory) -> None:
    """`preprocessing: auto` in the YAML, refined by the dotted form the error message gives."""
    folder = tiny_arabert_factory("arabertv02", declares=None)
    cfg = load_config(REPO / "configs" / "arabert.yaml",
                      [f"model_name_or_path={folder}", "output_dir=unused", *shlex.split(CLI_HINT)])
    spec, why = explain_preprocessing(cfg.preprocessing, cfg.model_name_or_path)
    assert spec == {"kind": "arabert", "model_name": "bert-base-arabertv02"}
    assert "as configured" in why
    only_name = load_config(REPO / "configs" / "arabert.yaml", [f"model_name_or_path={folder}", "output_dir=unused",
                                                                  "preprocessing.model_name=bert-large-arabertv02"])
    assert explain_preprocessing(only_name.preprocessing, str(folder))[0]["model_name"] == "bert-large-arabertv02"


@pytest.mark.parametrize("where", ["tokenizer_config", "hub_cache"])
def test_other_ways_a_folder_says_what_it_is(tiny_arabert_factory, tmp_path: Path, where: str) -> None:
    folder = tiny_arabert_factory("arabertv02", declares=None)
    if where == "tokenizer_config":
        path = folder / "tokenizer_config.json"
        path.write_text(json.dumps({**json.loads(path.read_text(encoding="utf-8")), "name_or_path": HUB_ID}),
                        encoding="utf-8")
    else:
        snapshot = tmp_path / "hub" / "models--aubmindlab--bert-base-arabertv02" / "snapshots" / "0123abc"
        snapshot.parent.mkdir(parents=True)
        folder = folder.rename(snapshot)
    spec, why = explain_preprocessing("auto", str(folder))
    assert spec == {"kind": "arabert", "model_name": HUB_ID}
    assert ("tokenizer_config.json" in why) == (where == "tokenizer_config")


def test_non_arabert_folder_gets_basic(tmp_path: Path) -> None:
    folder = tmp_path / "my-encoder"
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps({"_name_or_path": "intfloat/multilingual-e5-small"}), encoding="utf-8")
    (folder / "vocab.txt").write_text("[PAD]\n[UNK]\nقصف\n", encoding="utf-8")
    assert explain_preprocessing("auto", str(folder))[0] == {"kind": "basic"}
    (folder / "vocab.txt").write_text("[PAD]\n[UNK]\n[رابط]\nقصف\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=re.escape(CONFIG_HINT)):
        explain_preprocessing("auto", str(folder))


def test_a_folder_made_from_a_local_arabert_is_followed(tiny_arabert_factory, tmp_path: Path) -> None:
    """`rasd pretrain` output records the folder it started from; that folder says which AraBERT it is."""
    source = tiny_arabert_factory("arabertv02")
    derived = tmp_path / "arabert-news"
    shutil.copytree(source, derived)
    path = derived / "config.json"
    path.write_text(json.dumps({**json.loads(path.read_text(encoding="utf-8")), "_name_or_path": str(source)}),
                    encoding="utf-8")
    spec, why = explain_preprocessing("auto", str(derived))
    assert spec == {"kind": "arabert", "model_name": HUB_ID}
    assert str(source) in why
