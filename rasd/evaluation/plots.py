"""``confusion_matrix.png``: drawn on a bare matplotlib ``Figure`` (Agg canvas), so no global backend is set."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np


def plot_confusion_matrix(matrix: Sequence[Sequence[int]], labels: Sequence[str], path: str | Path, *,
                          title: str = "Event types", xlabel: str = "predicted", ylabel: str = "gold",
                          columns: Sequence[str] | None = None) -> Path:
    """Write a count heatmap with each cell's number; rows are ``labels``, columns ``columns`` (default: ``labels``).

    >>> import tempfile, os
    >>> p = plot_confusion_matrix([[3, 1], [0, 2]], ["a", "b"], os.path.join(tempfile.mkdtemp(), "cm.png"))
    >>> p.stat().st_size > 0
    True
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    data = np.asarray(matrix, dtype=float).reshape(len(labels), -1)
    columns = list(columns) if columns is not None else list(labels)
    fig = Figure(figsize=(max(4.0, 0.6 * len(columns) + 3.0), max(3.5, 0.5 * len(labels) + 2.5)))
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    image = ax.imshow(data, cmap="Blues", aspect="auto")
    fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    ax.set_xticks(range(len(columns)), labels=columns, rotation=45, ha="right")
    ax.set_yticks(range(len(labels)), labels=labels)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    top = data.max() if data.size else 0
    for (i, j), value in np.ndenumerate(data):
        ax.text(j, i, f"{int(value)}", ha="center", va="center", fontsize=8,
                color="white" if top and value > top / 2 else "black")
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, dpi=120)
    return path
