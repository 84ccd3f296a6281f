"""Find an encoder before loading it, so an unreachable Hub fails at once with one clear line.

Without this, `from_pretrained("aubmindlab/...")` on a machine without network retries for
most of a minute and ends in a long traceback.
"""

from __future__ import annotations

import socket
from pathlib import Path
from urllib.parse import urlparse

from huggingface_hub import constants, try_to_load_from_cache

from rasd.errors import ModelLoadError


def _hub_reachable(timeout: float = 3.0) -> bool:
    host = urlparse(constants.ENDPOINT).hostname or "huggingface.co"
    try:
        socket.create_connection((host, 443), timeout=timeout).close()
        return True
    except OSError:
        return False


def check_model_source(name_or_path: str, *, what: str = "model_name_or_path") -> None:
    """Raise :class:`ModelLoadError` unless the model is a local directory, cached, or downloadable now."""
    path = Path(name_or_path).expanduser()
    if path.is_dir():
        if not (path / "config.json").is_file():
            raise ModelLoadError(f"{name_or_path} is a directory but has no config.json: not a saved model")
        return
    looks_local = name_or_path.startswith((".", "/", "~")) or name_or_path.count("/") > 1
    if looks_local:
        raise ModelLoadError(f"{what}: directory not found: {name_or_path}")
    cached = try_to_load_from_cache(name_or_path, "config.json")
    if isinstance(cached, str):
        return
    if constants.HF_HUB_OFFLINE or not _hub_reachable():
        reason = "HF_HUB_OFFLINE is set" if constants.HF_HUB_OFFLINE else "the Hugging Face Hub cannot be reached"
        raise ModelLoadError(
            f"cannot load {name_or_path!r}: it is not a local directory, not in the Hugging Face cache, and {reason}. "
            f"Download it on a machine with network (hf download {name_or_path} --local-dir DIR) "
            f"and point {what} at DIR, e.g. `{what}=DIR` after the config on the command line"
        )
