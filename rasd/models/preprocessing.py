"""Which text normalization a model gets, decided once at training time and stored in its config.

AraBERT checkpoints were pretrained on text run through the `arabert` preprocessor, so they get
it; any other encoder gets rasd's light normalizer (diacritics, tatweel, digits, bidi marks).
"""

from __future__ import annotations

from typing import Any

from rasd.errors import ConfigError

NAMED = {
    "none": {"kind": "none"},
    "basic": {"kind": "basic"},
}


def is_arabert(model_name: str | None) -> bool:
    name = (model_name or "").lower()
    return "arabert" in name or "aubmindlab" in name


def resolve_preprocessing(spec: Any, model_name: str | None) -> dict[str, Any]:
    """Turn a config value (``auto``, a name, or a normalizer spec mapping) into a normalizer spec.

    >>> resolve_preprocessing("auto", "aubmindlab/bert-base-arabertv02")
    {'kind': 'arabert', 'model_name': 'aubmindlab/bert-base-arabertv02'}
    >>> resolve_preprocessing("auto", None)
    {'kind': 'basic'}
    """
    if spec in (None, "auto"):
        return {"kind": "arabert", "model_name": model_name} if is_arabert(model_name) else dict(NAMED["basic"])
    if spec == "arabert":
        if not model_name:
            raise ConfigError("preprocessing 'arabert' needs model_name_or_path to name an AraBERT model")
        return {"kind": "arabert", "model_name": model_name}
    if isinstance(spec, str):
        if spec not in NAMED:
            raise ConfigError(f"preprocessing must be auto, none, basic, arabert or a mapping; got {spec!r}")
        return dict(NAMED[spec])
    if isinstance(spec, dict) and "kind" in spec:
        return dict(spec)
    raise ConfigError(f"preprocessing must be auto, none, basic, arabert or a mapping with 'kind'; got {spec!r}")
