"""Where the encoder runs: PyTorch on CPU/CUDA (optionally bf16/fp16 autocast) or ONNX Runtime.

A back-end takes padded ``input_ids``/``attention_mask`` arrays and returns numpy logits for
the heads the model has; everything around it (batching, decoding) is shared.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import torch

from rasd.errors import ConfigError

DTYPES = ("auto", "fp32", "bf16", "fp16")


class Backend(Protocol):
    device: str

    def __call__(self, input_ids: np.ndarray, attention_mask: np.ndarray) -> tuple[np.ndarray | None, np.ndarray | None]: ...


def resolve_device(device: str) -> str:
    """``auto`` picks the first CUDA GPU when there is one; ``cuda`` without a GPU is an error."""
    if device == "auto":
        return "cuda:0" if torch.cuda.is_available() else "cpu"
    if device.startswith("cuda"):
        if not torch.cuda.is_available():
            raise ConfigError(f"--device {device}: no CUDA GPU is visible (torch {torch.__version__}); use --device cpu")
        index = int(device.split(":", 1)[1]) if ":" in device else 0
        if index >= torch.cuda.device_count():
            raise ConfigError(f"--device {device}: only {torch.cuda.device_count()} GPU(s) visible")
        return f"cuda:{index}"
    if device != "cpu":
        raise ConfigError(f"--device must be auto, cpu, cuda or cuda:N; got {device!r}")
    return device


def cpu_supports_bf16() -> bool:
    """Native bf16 matrix units (AVX512-BF16 or AMX); without them bf16 on CPU is slower than fp32."""
    try:
        flags = open("/proc/cpuinfo", encoding="utf-8").read()
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


def resolve_dtype(dtype: str, device: str) -> torch.dtype:
    """``auto``: bf16 on GPUs that have it (fp16 on older ones), fp32 on CPU."""
    if dtype not in DTYPES:
        raise ConfigError(f"--dtype must be one of {', '.join(DTYPES)}; got {dtype!r}")
    if dtype == "fp32":
        return torch.float32
    if device.startswith("cuda"):
        if dtype == "auto":
            return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
        return torch.bfloat16 if dtype == "bf16" else torch.float16
    if dtype == "auto":
        return torch.float32
    if dtype == "fp16":
        raise ConfigError("--dtype fp16 is for CUDA; on CPU use fp32 or bf16")
    return torch.bfloat16


@dataclass
class TorchBackend:
    model: torch.nn.Module
    device: str
    dtype: torch.dtype

    def __post_init__(self) -> None:
        self.model.eval().to(self.device)

    def autocast(self) -> contextlib.AbstractContextManager:
        if self.dtype == torch.float32:
            return contextlib.nullcontext()
        return torch.autocast(device_type=self.device.split(":")[0], dtype=self.dtype)

    def __call__(self, input_ids: np.ndarray, attention_mask: np.ndarray) -> tuple[np.ndarray | None, np.ndarray | None]:
        with torch.inference_mode(), self.autocast():
            ids = torch.from_numpy(input_ids).to(self.device, non_blocking=True)
            mask = torch.from_numpy(attention_mask).to(self.device, non_blocking=True)
            out = self.model(input_ids=ids, attention_mask=mask)
        slots = out.slot_logits.float().cpu().numpy() if out.slot_logits is not None else None
        events = out.event_logits.float().cpu().numpy() if out.event_logits is not None else None
        return slots, events
