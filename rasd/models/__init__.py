"""The joint model: `RasdConfig`, `RasdModel`, feature alignment and decoding.

Importing this package registers ``model_type: rasd`` with ``AutoConfig``/``AutoModel`` so that
``AutoModel.from_pretrained(rasd_dir)`` works like for any other architecture.
"""

from transformers import AutoConfig, AutoModel

from rasd.models.configuration import RasdConfig
from rasd.models.modeling import RasdModel

AutoConfig.register("rasd", RasdConfig, exist_ok=True)
AutoModel.register(RasdConfig, RasdModel, exist_ok=True)

__all__ = ["RasdConfig", "RasdModel"]
