"""Two processes on CPU (gloo) train through the Trainer, as `torchrun` runs on several GPUs."""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys

import pytest
import yaml
from support import CORPUS, REPO, tiny_config

pytestmark = pytest.mark.slow


def test_torchrun_two_cpu_processes(tmp_path):
    torchrun = shutil.which("torchrun", path=os.path.dirname(sys.executable))
    if torchrun is None:
        pytest.skip("torchrun is not installed beside this Python")
    cfg = tiny_config(tmp_path / "out", num_train_epochs=1, ddp_backend="gloo", use_cpu=True,
                      per_device_train_batch_size=16, load_best_model_at_end=False, eval_strategy="no",
                      save_strategy="no")
    config_path = tmp_path / "ddp.yaml"
    config_path.write_text(yaml.safe_dump(cfg, allow_unicode=True))
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "OMP_NUM_THREADS": "1", "TOKENIZERS_PARALLELISM": "false"}
    proc = subprocess.run(
        [torchrun, "--nproc_per_node", "2", "--master_port", "29531", "-m", "rasd.cli", "train", str(config_path)],
        cwd=REPO, capture_output=True, text=True, timeout=600, env=env,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    args = json.loads((tmp_path / "out" / "training_args.json").read_text())
    assert args["ddp_backend"] == "gloo"
    n_train = sum(1 for _ in open(CORPUS / "train.jsonl", encoding="utf-8"))
    state = json.loads((tmp_path / "out" / "trainer_state.json").read_text())
    # Each of the two processes sees half the rows (one per encoder window, a few more than sentences),
    # so an epoch takes about half the optimizer steps one process would.
    single_process_steps = math.ceil(n_train / 16)
    assert math.ceil(n_train / 32) <= state["global_step"] <= 0.55 * single_process_steps
    assert "model saved to" in proc.stdout
