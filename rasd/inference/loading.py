"""Loading a saved model directory for inference, with errors that say what is wrong."""

from __future__ import annotations

from pathlib import Path

from rasd.errors import ModelLoadError


def load_config(path: str | Path):
    import rasd.models  # noqa: F401 - registers model_type "rasd" with the Auto classes
    from rasd.models.configuration import RasdConfig

    path = Path(path)
    if not (path / "config.json").is_file():
        raise ModelLoadError(f"{path}: not a rasd model directory (no config.json); train one with `rasd train`")
    try:
        config = RasdConfig.from_pretrained(path)
    except (OSError, ValueError, TypeError) as e:
        raise ModelLoadError(f"{path}/config.json: not a rasd model config ({str(e).splitlines()[0]})") from None
    if getattr(config, "model_type", None) != "rasd":
        raise ModelLoadError(f"{path}: config.json is a {config.model_type!r} model, not a rasd model")
    return config


def load_torch_model(path: str | Path):
    from rasd.models.modeling import RasdModel

    return RasdModel.from_pretrained(path)
