"""Which text normalization a model gets, decided once at training time and stored in its config.

AraBERT checkpoints were pretrained on text run through the `arabert` preprocessor, so they get
it; any other encoder gets rasd's light normalizer (diacritics, tatweel, digits, bidi marks).

Which AraBERT a model is decides the preprocessing (v0.2, Farasa-segmented v2, ...), and a local
copy is seldom named like the hub id (``hf download ... --local-dir /models/arabertv02``). So a
local folder is asked what it is: ``config.json`` ``_name_or_path``, ``tokenizer_config.json``
``name_or_path``, and a Hugging Face cache path (``models--aubmindlab--bert-base-arabertv02``).
What is stored with the model is the AraBERT name found, never the local path, so a model
trained on one machine predicts on another. When a folder looks like AraBERT but says nothing
usable, training stops with one line naming the config key to add, rather than guessing.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from rasd.errors import ConfigError

NAMED = {
    "none": {"kind": "none"},
    "basic": {"kind": "basic"},
}
EXAMPLE_BASE = "bert-base-arabertv02"
# The key a user adds when a folder does not say which AraBERT it is, in YAML and CLI form.
CONFIG_HINT = f"preprocessing: {{kind: arabert, model_name: {EXAMPLE_BASE}}}"
CLI_HINT = f"preprocessing.kind=arabert preprocessing.model_name={EXAMPLE_BASE}"
_HUB_CACHE = re.compile(r"^models--([^/]+?)--([^/]+)$")
# Only AraBERT-family vocabularies hold the placeholders arabert's preprocessing puts for URLs.
_ARABERT_VOCAB_MARK = "[رابط]"


def _known_models() -> list[str]:
    from arabert.preprocess import ACCEPTED_MODELS

    return list(ACCEPTED_MODELS)


def _base(name: str) -> str:
    return name.rstrip("/\\").replace("\\", "/").split("/")[-1]


def is_arabert(model_name: str | None) -> bool:
    """Whether a name or folder path looks like an AraBERT model by its spelling alone."""
    name = (model_name or "").lower()
    return "arabert" in name or "aubmindlab" in name or "araelectra" in name


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def declared_names(model_name_or_path: str) -> list[tuple[str, str]]:
    """What a model name or local folder says it is: ``(name, where it was read)`` pairs, in order of trust.

    >>> declared_names("/root/.cache/huggingface/hub/models--aubmindlab--bert-base-arabertv02/snapshots/0a1b")[0]
    ('aubmindlab/bert-base-arabertv02', 'its Hugging Face cache path')
    """
    found: list[tuple[str, str]] = []
    path = Path(model_name_or_path).expanduser()
    if path.is_dir():
        for file, key in (("config.json", "_name_or_path"), ("tokenizer_config.json", "name_or_path")):
            value = _read_json(path / file).get(key)
            if isinstance(value, str) and value.strip():
                found.append((value.strip(), f"{path / file} `{key}`"))
    for part in Path(model_name_or_path).parts:
        m = _HUB_CACHE.match(part)
        if m:
            found.append((f"{m.group(1)}/{m.group(2)}", "its Hugging Face cache path"))
    hub_id = model_name_or_path.count("/") <= 1 and not model_name_or_path.startswith((".", "/", "~"))
    # A path's folders say nothing about the model (a tmp dir may be called test_arabert_...); its name may.
    found.append((model_name_or_path if hub_id and not path.is_dir() else path.name, "its name"))
    return found


def known_arabert(model_name_or_path: str | None, *, _depth: int = 3) -> tuple[str, str] | None:
    """The known AraBERT model a name or folder declares, with where that was read; None when none does.

    A folder that names another local folder (`rasd pretrain` output records the encoder it
    started from) is followed, a few steps at most.

    >>> known_arabert("aubmindlab/bert-base-arabertv02")
    ('aubmindlab/bert-base-arabertv02', 'its name')
    >>> known_arabert("/nowhere/arabertv02") is None
    True
    """
    if not model_name_or_path:
        return None
    known = set(_known_models())
    declared = declared_names(model_name_or_path)
    for name, where in declared:
        if _base(name) in known:
            return name, where
    here = Path(model_name_or_path).expanduser().resolve()
    for name, _ in declared[:-1]:
        source = Path(name).expanduser()
        if _depth > 0 and source.is_dir() and source.resolve() != here:
            found = known_arabert(name, _depth=_depth - 1)
            if found is not None:
                return found[0], f"{found[1]}, the model {model_name_or_path} was made from"
    return None


def _vocab_looks_arabert(path: Path) -> bool:
    for file in ("vocab.txt", "tokenizer.json"):
        try:
            if _ARABERT_VOCAB_MARK in (path / file).read_text(encoding="utf-8", errors="ignore"):
                return True
        except OSError:
            continue
    return False


def looks_arabert(model_name_or_path: str | None) -> bool:
    """Whether anything about the model suggests AraBERT: its name, what it declares, or its vocabulary."""
    if not model_name_or_path:
        return False
    if any(is_arabert(name) for name, _ in declared_names(model_name_or_path)):
        return True
    path = Path(model_name_or_path).expanduser()
    return path.is_dir() and _vocab_looks_arabert(path)


def unknown_arabert_error(model_name_or_path: str | None) -> ConfigError:
    """The one line that says which key to add when the AraBERT model cannot be told."""
    known = ", ".join(m for m in _known_models() if "arabertv02" in m or m.startswith("araelectra-base"))
    what = f"{model_name_or_path!r} looks like an AraBERT model but" if model_name_or_path else "no model is named and"
    return ConfigError(
        f"{what} does not say which one (no known name in its config.json `_name_or_path`, "
        f"tokenizer_config.json `name_or_path` or its path), and that decides its preprocessing: add "
        f"`{CONFIG_HINT}` to the training config (on the command line: `{CLI_HINT}`) with the AraBERT model "
        f"yours comes from (known: {known}), or `preprocessing: basic` if it is not an AraBERT model"
    )


def _arabert_spec(spec: dict[str, Any], model_name_or_path: str | None) -> dict[str, Any]:
    """``{kind: arabert, ...}`` with ``model_name`` a known AraBERT name (given, declared, or read from the folder)."""
    out = {k: v for k, v in spec.items() if k != "kind"}
    given = out.get("model_name")
    if given is not None and not isinstance(given, str):
        raise ConfigError(f"preprocessing.model_name must be an AraBERT model name such as {EXAMPLE_BASE!r}; got {given!r}")
    found = known_arabert(given or model_name_or_path)
    if found is None:
        raise unknown_arabert_error(given or model_name_or_path)
    return {"kind": "arabert", **out, "model_name": found[0]}


def explain_preprocessing(spec: Any, model_name: str | None) -> tuple[dict[str, Any], str]:
    """:func:`resolve_preprocessing` plus one line saying what was chosen and why (logged by `rasd train`).

    >>> explain_preprocessing("auto", "aubmindlab/bert-base-arabertv02")[1]
    "preprocessing: arabert for 'aubmindlab/bert-base-arabertv02' (from its name)"
    """
    if isinstance(spec, dict) and spec.get("kind") in (None, "auto"):
        rest = {k: v for k, v in spec.items() if k != "kind"}
        # `preprocessing.model_name=...` on top of `preprocessing: auto` means "this AraBERT".
        spec = {"kind": "arabert", **rest} if rest else "auto"
    if spec in (None, "auto"):
        found = known_arabert(model_name)
        if found is not None:
            return {"kind": "arabert", "model_name": found[0]}, _line(found)
        if looks_arabert(model_name):
            raise unknown_arabert_error(model_name)
        return dict(NAMED["basic"]), "preprocessing: basic (not an AraBERT model)"
    if spec == "arabert":
        spec = {"kind": "arabert"}
    if isinstance(spec, str):
        if spec not in NAMED:
            raise ConfigError(f"preprocessing must be auto, none, basic, arabert or a mapping; got {spec!r}")
        return dict(NAMED[spec]), f"preprocessing: {spec} (as configured)"
    if isinstance(spec, dict) and "kind" in spec:
        if spec["kind"] == "arabert":
            out = _arabert_spec(spec, model_name)
            found = known_arabert(spec.get("model_name") or model_name)
            where = "as configured" if spec.get("model_name") else (found[1] if found else "")
            return out, f"preprocessing: arabert for {out['model_name']!r} ({where})"
        return dict(spec), f"preprocessing: {json.dumps(spec, ensure_ascii=False)} (as configured)"
    raise ConfigError(f"preprocessing must be auto, none, basic, arabert or a mapping with 'kind'; got {spec!r}")


def _line(found: tuple[str, str]) -> str:
    name, where = found
    return f"preprocessing: arabert for {name!r} (from {where})"


def resolve_preprocessing(spec: Any, model_name: str | None) -> dict[str, Any]:
    """Turn a config value (``auto``, a name, or a normalizer spec mapping) into a normalizer spec.

    >>> resolve_preprocessing("auto", "aubmindlab/bert-base-arabertv02")
    {'kind': 'arabert', 'model_name': 'aubmindlab/bert-base-arabertv02'}
    >>> resolve_preprocessing("auto", None)
    {'kind': 'basic'}
    >>> resolve_preprocessing({"kind": "auto", "model_name": "bert-base-arabertv02"}, "/models/x")
    {'kind': 'arabert', 'model_name': 'bert-base-arabertv02'}
    """
    return explain_preprocessing(spec, model_name)[0]


def saved_preprocessing(spec: dict[str, Any] | None, model_dir: str | Path) -> dict[str, Any]:
    """The normalizer spec of a saved model, with an AraBERT ``model_name`` that is a local path resolved.

    Models trained before names were resolved stored the encoder's folder (``/models/arabertv02``),
    which may not exist where the model is used; the saved model directory says what it came from.
    """
    if not spec or spec.get("kind") != "arabert":
        return dict(spec or NAMED["basic"])
    name = spec.get("model_name")
    config = _read_json(Path(model_dir) / "config.json")
    encoder = config.get("encoder") if isinstance(config.get("encoder"), dict) else {}
    # The stored name, then the encoder folder the model was fine-tuned from, if it is here.
    for candidate in (name, encoder.get("_name_or_path")):
        found = known_arabert(candidate) if isinstance(candidate, str) else None
        if found is not None:
            return {**spec, "model_name": found[0]}
    raise ConfigError(
        f"{Path(model_dir) / 'config.json'}: preprocessing names AraBERT model {name!r}, which is neither a known "
        f"AraBERT name nor a folder here that says which one it is; set `\"preprocessing\": {{\"kind\": \"arabert\", "
        f"\"model_name\": \"{EXAMPLE_BASE}\"}}` there, with the AraBERT model it was fine-tuned from"
    )
