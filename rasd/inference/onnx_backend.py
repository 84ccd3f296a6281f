"""ONNX Runtime: `rasd export --to onnx` and the back-end behind ``rasd predict --backend onnx``.

The exported directory holds ``model.onnx`` (inputs ``input_ids``/``attention_mask``, int64,
dynamic batch and sequence axes; outputs ``slot_logits`` and/or ``event_logits``) beside the
model's ``config.json``, tokenizer and label schema, so ``Extractor.from_pretrained(dir,
backend="onnx")`` needs nothing else. ``onnx``/``onnxruntime`` are imported only here, and only
when used (``pip install 'rasd[onnx]'``).

Exporter: the TorchScript one (``dynamo=False``) by default. With torch 2.13 both exporters give
graphs that match PyTorch to ~1e-6 at any batch size and length, but the TorchScript one needs no
extra package, exports about 2.5x faster, and its graph quantizes as it is (the dynamo graph's
``value_info`` trips onnxruntime's shape inference; we drop it). ``exporter="dynamo"`` is there for
when torch drops the TorchScript exporter; it needs ``onnxscript``.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from rasd.errors import ConfigError, MissingExtraError

MODEL_FILE = "model.onnx"
INPUT_NAMES = ("input_ids", "attention_mask")
QUANTIZE = (None, "int8")
EXPORTERS = ("torchscript", "dynamo")
# Saved with the model by `rasd train`; copied so the ONNX directory describes itself.
_MODEL_FILES = ("config.json", "label_schema.yaml", "training_config.yaml")


def _onnxruntime():
    try:
        import onnxruntime
    except ImportError:
        raise MissingExtraError("onnxruntime", "onnx", "the ONNX back-end") from None
    return onnxruntime


def available_cores() -> int:
    """CPU cores this process may run on (the affinity mask, not the machine's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - macOS, Windows
        return os.cpu_count() or 1


@dataclass
class OnnxBackend:
    """Runs ``model.onnx`` with onnxruntime on CPU; same protocol as :class:`~rasd.inference.backends.TorchBackend`.

    >>> backend = OnnxBackend.load("runs/compact-onnx")                     # doctest: +SKIP
    >>> slots, events = backend(input_ids, attention_mask)                 # doctest: +SKIP
    """

    session: Any
    device: str = "cpu"
    output_names: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.output_names = [o.name for o in self.session.get_outputs()]

    @classmethod
    def load(cls, path: str | Path, *, threads: int | None = None) -> OnnxBackend:
        """A session on ``path/model.onnx`` (or ``path`` itself when it is the .onnx file), all graph
        optimizations on, one intra-op thread per available core unless ``threads`` says otherwise."""
        from rasd.errors import ModelLoadError

        ort = _onnxruntime()
        path = Path(path)
        model = path / MODEL_FILE if path.is_dir() else path
        if not model.is_file():
            raise ModelLoadError(f"{path}: no {MODEL_FILE}; export one with `rasd export MODEL_DIR --to onnx {path}`")
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or available_cores()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        try:
            session = ort.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])
        except Exception as e:  # onnxruntime raises its own exception types for a bad file
            raise ModelLoadError(f"{model}: onnxruntime cannot load it ({str(e).splitlines()[0]})") from None
        names = [i.name for i in session.get_inputs()]
        if sorted(names) != sorted(INPUT_NAMES):
            raise ModelLoadError(f"{model}: expected inputs {list(INPUT_NAMES)}, found {names}; "
                                 "export it with `rasd export --to onnx`")
        return cls(session)

    def __call__(self, input_ids: np.ndarray, attention_mask: np.ndarray) -> tuple[np.ndarray | None, np.ndarray | None]:
        feed = {"input_ids": np.asarray(input_ids, dtype=np.int64),
                "attention_mask": np.asarray(attention_mask, dtype=np.int64)}
        outputs = dict(zip(self.output_names, self.session.run(self.output_names, feed), strict=True))
        return outputs.get("slot_logits"), outputs.get("event_logits")


class _Logits(torch.nn.Module):
    """The joint model as a function of (input_ids, attention_mask) -> the logits of the heads it has."""

    def __init__(self, model: torch.nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> tuple[torch.Tensor, ...]:
        out = self.model(input_ids=input_ids, attention_mask=attention_mask)
        return tuple(x for x in (out.slot_logits, out.event_logits) if x is not None)


def export_onnx(model_dir: str | Path, out: str | Path, *, quantize: str | None = None, opset: int = 17,
                exporter: str = "torchscript", overwrite: bool = False) -> Path:
    """Export a saved rasd model to ``out/model.onnx`` (int8 weights with ``quantize="int8"``); returns ``out``.

    >>> out = export_onnx("runs/compact", "runs/compact-onnx", quantize="int8")   # doctest: +SKIP
    >>> Extractor.from_pretrained(out, backend="onnx")                           # doctest: +SKIP
    """
    from transformers import AutoTokenizer

    from rasd.inference.loading import check_model_dir, load_torch_model
    from rasd.models.export import check_export_target
    from rasd.safe_io import staged_folder

    if quantize not in QUANTIZE:
        raise ConfigError(f"quantize must be None or 'int8'; got {quantize!r}")
    if exporter not in EXPORTERS:
        raise ConfigError(f"exporter must be one of {EXPORTERS}; got {exporter!r}")
    _onnxruntime()
    model_dir, out = Path(model_dir), Path(out)
    check_export_target(model_dir, out, overwrite=overwrite)  # never into the model folder, never over an export
    config = check_model_dir(model_dir)
    model = _Logits(load_torch_model(model_dir)).eval()
    outputs = [name for name, has in (("slot_logits", config.has_slot_head), ("event_logits", config.has_event_head))
               if has]
    with staged_folder(out) as stage:  # out appears only once the export is complete
        with tempfile.TemporaryDirectory(dir=stage, prefix=".export-") as tmp:
            graph = Path(tmp) / MODEL_FILE if quantize else stage / MODEL_FILE
            if exporter == "dynamo":
                _export_dynamo(model, graph, outputs, opset, config.encoder.max_position_embeddings)
            else:
                _export_torchscript(model, graph, outputs, opset)
            if quantize == "int8":
                quantize_int8(graph, stage / MODEL_FILE)
        for name in _MODEL_FILES:
            if (model_dir / name).is_file():
                shutil.copyfile(model_dir / name, stage / name)
        AutoTokenizer.from_pretrained(model_dir).save_pretrained(stage)
        (stage / "README.md").write_text(_readme(model_dir, out, outputs, quantize, opset, exporter), encoding="utf-8")
    return out


def _example(model: _Logits) -> tuple[torch.Tensor, torch.Tensor]:
    """Two rows, the second padded, so the traced graph takes the attention-mask path."""
    vocab = model.model.config.encoder.vocab_size
    ids = (torch.arange(16).reshape(2, 8) * 7 + 5) % vocab
    mask = torch.ones_like(ids)
    mask[1, 5:] = 0
    return ids, mask


def _export_torchscript(model: _Logits, path: Path, outputs: list[str], opset: int) -> None:
    axes = {"input_ids": {0: "batch", 1: "sequence"}, "attention_mask": {0: "batch", 1: "sequence"},
            "slot_logits": {0: "batch", 1: "sequence"}, "event_logits": {0: "batch"}}
    with warnings.catch_warnings():
        # The deprecation notice, and tracer notes on transformers' mask helpers whose branches do
        # not depend on the shapes that vary (tests check other batch sizes and lengths).
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", torch.jit.TracerWarning)
        warnings.filterwarnings("ignore", message=".*aten::index.*")
        torch.onnx.export(model, _example(model), str(path), dynamo=False, input_names=list(INPUT_NAMES),
                          output_names=outputs, dynamic_axes={k: v for k, v in axes.items() if k in (*INPUT_NAMES, *outputs)},
                          opset_version=opset, do_constant_folding=True)


def _export_dynamo(model: _Logits, path: Path, outputs: list[str], opset: int, max_length: int) -> None:
    try:
        import onnxscript  # noqa: F401
    except ImportError:
        raise MissingExtraError("onnxscript", "onnx", "exporter='dynamo'") from None
    import onnx

    batch, sequence = torch.export.Dim("batch"), torch.export.Dim("sequence", max=max_length)
    shapes = {name: {0: batch, 1: sequence} for name in INPUT_NAMES}
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*axis name.*will not be used.*")  # our names are kept
        program = torch.onnx.export(model, _example(model), None, dynamo=True, input_names=list(INPUT_NAMES),
                                    output_names=outputs, dynamic_shapes=shapes, opset_version=opset)
    graph = program.model_proto
    # Intermediate shape annotations that onnx's shape inference (run by the quantizer) rejects.
    del graph.graph.value_info[:]
    onnx.save(graph, str(path))


def quantize_int8(source: str | Path, target: str | Path) -> Path:
    """Dynamic int8 quantization: int8 weights (per output channel, the more accurate choice for
    transformer MatMuls), activations quantized on the fly; ~4x smaller, ~3x faster on CPU."""
    _onnxruntime()
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(str(source), str(target), weight_type=QuantType.QInt8, per_channel=True,
                     extra_options={"DefaultTensorType": 1})  # onnx.TensorProto.FLOAT
    return Path(target)


README = """# rasd model, ONNX export

Exported from `{model_dir}` by `rasd export --to onnx` ({exporter} exporter, opset {opset}).

| | |
|---|---|
| file | `model.onnx` |
| weights | {weights} |
| inputs | `input_ids`, `attention_mask` (int64, `[batch, sequence]`, both dynamic) |
| outputs | {outputs} |

`config.json`, the tokenizer and the label schema are the original model's. Score with

```
rasd predict {out} news.jsonl --backend onnx -o predictions.jsonl
```
or `Extractor.from_pretrained(path, backend="onnx")`. The graph takes token ids of
rasd-normalized text (`config.json`: `preprocessing`); the Extractor does that, and the
sentence splitting, windowing and decoding around it.
"""


def _readme(model_dir: Path, out: Path, outputs: list[str], quantize: str | None, opset: int, exporter: str) -> str:
    weights = ("int8 (dynamic quantization, per-channel weights; labels agree with fp32 on most tokens, "
               "not all: check with `rasd evaluate`)" if quantize else "fp32 (outputs match PyTorch to ~1e-5)")
    shapes = {"slot_logits": "`slot_logits` `[batch, sequence, slot tags]`",
              "event_logits": "`event_logits` `[batch, event types]`"}
    return README.format(model_dir=model_dir, exporter=exporter, opset=opset, weights=weights,
                         outputs=", ".join(shapes[o] for o in outputs), out=out)
