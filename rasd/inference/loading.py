"""Loading a saved model directory for inference, with errors that say what is wrong.

A model folder is checked before anything is loaded from it (:func:`check_model_dir`): the
config, the tokenizer files and the weights must be there, the weights must be readable, and
the labels in config.json must match the heads stored in the weights. Each problem is one line
naming the file and the fix, never a traceback from deep inside transformers.
"""

from __future__ import annotations

from pathlib import Path

from rasd.errors import ModelLoadError

TOKENIZER_FILES = ("tokenizer.json", "vocab.txt", "sentencepiece.bpe.model", "spiece.model")
WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")
_SLOT_WEIGHT = "slot_head.classifier.weight"
_EVENT_WEIGHT = "event_head.classifier.weight"


def load_config(path: str | Path):
    import rasd.models  # noqa: F401 - registers model_type "rasd" with the Auto classes
    from rasd.models.configuration import RasdConfig

    path = Path(path)
    if not path.is_dir():
        raise ModelLoadError(f"{path}: no such model folder; give the folder `rasd train` wrote (its output_dir)")
    if not (path / "config.json").is_file():
        raise ModelLoadError(f"{path}: not a rasd model directory (no config.json); train one with `rasd train`")
    try:
        config = RasdConfig.from_pretrained(path)
    except (OSError, ValueError, TypeError) as e:
        raise ModelLoadError(f"{path}/config.json: not a rasd model config ({str(e).splitlines()[0]})") from None
    if getattr(config, "model_type", None) != "rasd":
        raise ModelLoadError(f"{path}: config.json is a {config.model_type!r} model, not a rasd model")
    return config


def check_model_dir(path: str | Path, *, backend: str = "torch"):
    """The config of the model folder ``path`` once its files are all there and agree, else
    :class:`ModelLoadError` naming the file and the fix."""
    path = Path(path)
    config = load_config(path)
    if not any((path / name).is_file() for name in TOKENIZER_FILES):
        raise ModelLoadError(f"{path}: no tokenizer files ({' or '.join(TOKENIZER_FILES[:2])}); copy the whole "
                             "folder `rasd train` wrote, tokenizer included")
    if backend == "onnx":
        return config
    weights = next((path / n for n in WEIGHT_FILES if (path / n).is_file()), None)
    if weights is None:
        raise ModelLoadError(f"{path}/model.safetensors: missing (the weights); copy it from the training output "
                             "or train again")
    shapes = _weight_shapes(weights)
    _check_head(weights, shapes.get(_SLOT_WEIGHT), config.has_slot_head, len(config.id2label or {}),
                "id2label", config.id2label and list(config.id2label.values()))
    _check_head(weights, shapes.get(_EVENT_WEIGHT), config.has_event_head, len(config.event_labels or []),
                "event_labels", config.event_labels)
    return config


def _weight_shapes(weights: Path) -> dict[str, tuple[int, ...]]:
    """Tensor name -> shape, read from the file header only (no tensor is loaded)."""
    if weights.suffix != ".safetensors":
        return {}
    try:
        from safetensors import safe_open

        with safe_open(str(weights), framework="pt") as f:
            return {k: tuple(f.get_slice(k).get_shape()) for k in f.keys()}
    except Exception as e:  # safetensors raises its own SafetensorError for a damaged header
        raise ModelLoadError(f"{weights}: the weights cannot be read ({str(e).splitlines()[0][:120]}); the file is "
                             "damaged or incomplete: copy it again or train again") from None


def _check_head(weights: Path, shape: tuple[int, ...] | None, expected: bool, n_labels: int, key: str,
                labels) -> None:
    if not shape:
        return
    if not expected or shape[0] != n_labels:
        shown = ", ".join(map(str, labels or []))[:200]
        raise ModelLoadError(f"{weights.parent}/config.json: {key} has {n_labels} label(s) ({shown or 'none'}) but "
                             f"the head in {weights.name} has {shape[0]} outputs; config.json and the weights come "
                             "from different models: copy both from the same training output")


def load_torch_model(path: str | Path):
    from rasd.models.modeling import RasdModel

    try:
        return RasdModel.from_pretrained(path)
    except (OSError, ValueError, RuntimeError) as e:
        raise ModelLoadError(f"{path}: the model cannot be loaded ({str(e).splitlines()[0][:160]}); copy the whole "
                             "training output again or train again") from None
