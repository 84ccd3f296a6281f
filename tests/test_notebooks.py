"""The notebooks in notebooks/ run top to bottom on CPU, offline, and are kept in git without outputs."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))


def test_the_notebooks_are_there():
    assert [p.name for p in NOTEBOOKS] == ["01_quickstart.ipynb", "02_error_analysis.ipynb"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_committed_without_outputs(path):
    nbformat = pytest.importorskip("nbformat", reason="nbformat is in the dev extra")
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    assert notebook.metadata.kernelspec.name == "python3"
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"{path.name}: strip the outputs"


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs_top_to_bottom(path, tmp_path, request):
    nbformat = pytest.importorskip("nbformat", reason="nbformat is in the dev extra")
    nbclient = pytest.importorskip("nbclient", reason="nbclient is in the dev extra")
    pytest.importorskip("ipykernel", reason="ipykernel is in the dev extra")
    notebook = nbformat.read(path, as_version=4)
    # The kernel runs this interpreter: jupyter_client starts the "python3" kernel's `python` as
    # sys.executable, and PATH puts this environment first for anything the notebook starts.
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "RASD_NOTEBOOK_DIR": str(tmp_path), "MPLBACKEND": "agg",
           "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])}
    env.pop("RASD_MODEL", None)  # never a model a developer happens to have set
    if path.name.startswith("02_"):  # analyse the suite's tiny model: 01 already runs the training cell
        env["RASD_MODEL"] = str(request.getfixturevalue("tiny_model_dir"))
    client = nbclient.NotebookClient(notebook, kernel_name="python3", timeout=1200,
                                     resources={"metadata": {"path": str(path.parent)}})
    client.execute(env=env)
    errors = [o for c in notebook.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors
    images = [o for c in notebook.cells if c.cell_type == "code" for o in c.outputs
              if "image/png" in o.get("data", {})]
    assert images, "the plots did not render"
