"""`RasdModel`: one encoder pass, a token head for slots and a sequence head for event types.

The heads mirror the standard Hugging Face ones (token: dropout + linear; sequence: a
dense+tanh "pooler" on the first token, dropout, linear) so that ``rasd export --to
hf-heads`` can write plain ``AutoModelFor{Token,Sequence}Classification`` checkpoints
with identical outputs.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass

import torch
from torch import nn
from transformers import AutoModel, PreTrainedModel
from transformers.modeling_outputs import ModelOutput
from transformers.models.auto.modeling_auto import MODEL_MAPPING

from rasd.models.configuration import RasdConfig


@dataclass
class RasdModelOutput(ModelOutput):
    loss: torch.FloatTensor | None = None
    slot_logits: torch.FloatTensor | None = None
    event_logits: torch.FloatTensor | None = None
    slot_loss: torch.FloatTensor | None = None
    event_loss: torch.FloatTensor | None = None


def build_encoder(config: RasdConfig) -> nn.Module:
    """A bare encoder from its config, without a pooler when the architecture allows (we own the pooler)."""
    kwargs = {}
    encoder_class = MODEL_MAPPING.get(type(config.encoder), None)
    if encoder_class is not None and "add_pooling_layer" in inspect.signature(encoder_class.__init__).parameters:
        kwargs["add_pooling_layer"] = False
    return AutoModel.from_config(config.encoder, **kwargs)


class EventHead(nn.Module):
    def __init__(self, hidden_size: int, num_labels: int, dropout: float, pooling: str = "cls") -> None:
        super().__init__()
        self.pooling = pooling
        self.dense = nn.Linear(hidden_size, hidden_size)
        self.dropout = nn.Dropout(dropout)
        self.classifier = nn.Linear(hidden_size, num_labels)

    def forward(self, hidden: torch.Tensor, attention_mask: torch.Tensor | None = None) -> torch.Tensor:
        if self.pooling == "mean":
            mask = (torch.ones(hidden.shape[:2], device=hidden.device) if attention_mask is None
                    else attention_mask.to(hidden.dtype)).unsqueeze(-1)
            summary = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1.0)
        else:
            summary = hidden[:, 0]
        pooled = torch.tanh(self.dense(summary))
        return self.classifier(self.dropout(pooled))


def mean_over_words(logits: torch.Tensor, word_index: torch.Tensor) -> torch.Tensor:
    """Each sub-token's logits replaced by the mean over the sub-tokens of its word (``-1``: not a word).

    The slot head is linear, so this equals the head applied to the mean of the word's states; the
    decoder computes the same mean from token logits, so exported models need no extra input.
    """
    b, t, c = logits.shape
    valid = word_index >= 0
    index = torch.where(valid, word_index, torch.zeros_like(word_index))
    width = int(index.max().item()) + 1 if valid.any() else 1
    sums = logits.new_zeros(b, width, c).scatter_add_(1, index.unsqueeze(-1).expand(-1, -1, c),
                                                      logits * valid.unsqueeze(-1).to(logits.dtype))
    counts = logits.new_zeros(b, width).scatter_add_(1, index, valid.to(logits.dtype)).clamp(min=1.0)
    means = torch.gather(sums / counts.unsqueeze(-1), 1, index.unsqueeze(-1).expand(-1, -1, c))
    return torch.where(valid.unsqueeze(-1), means, logits)


class SlotHead(nn.Module):
    def __init__(self, hidden_size: int, num_labels: int, dropout: float) -> None:
        super().__init__()
        self.dropout = nn.Dropout(dropout)
        self.classifier = nn.Linear(hidden_size, num_labels)

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.dropout(hidden))


class RasdPreTrainedModel(PreTrainedModel):
    config_class = RasdConfig
    config: RasdConfig
    base_model_prefix = "encoder"
    supports_gradient_checkpointing = True
    _supports_sdpa = True

    @torch.no_grad()
    def _init_weights(self, module: nn.Module) -> None:
        std = getattr(self.config.encoder, "initializer_range", 0.02)
        if isinstance(module, nn.Linear):
            module.weight.normal_(mean=0.0, std=std)
            if module.bias is not None:
                module.bias.zero_()


class RasdModel(RasdPreTrainedModel):
    """Joint event-type and slot model. ``task`` switches a head off without changing the code path."""

    # The loss is a mean over labelled positions; gradient accumulation must scale it as usual.
    accepts_loss_kwargs = False

    def __init__(self, config: RasdConfig, encoder: nn.Module | None = None) -> None:
        super().__init__(config)
        self.encoder = encoder if encoder is not None else build_encoder(config)
        hidden = config.encoder.hidden_size
        dropout = config.classifier_dropout
        if dropout is None:
            dropout = getattr(config.encoder, "hidden_dropout_prob", 0.1)
        self.slot_head = SlotHead(hidden, len(config.id2label), dropout) if config.has_slot_head else None
        self.event_head = (
            EventHead(hidden, len(config.event_labels), dropout, config.event_pooling) if config.has_event_head else None
        )
        weights = config.event_class_weights
        self.register_buffer(
            "event_class_weights", torch.tensor(weights, dtype=torch.float) if weights else None, persistent=False
        )
        self.post_init()
        if encoder is not None:  # post_init re-initialises; keep the pretrained encoder's weights
            self.encoder.load_state_dict(encoder.state_dict())

    def forward(
        self,
        input_ids: torch.Tensor | None = None,
        attention_mask: torch.Tensor | None = None,
        token_type_ids: torch.Tensor | None = None,
        labels: torch.Tensor | None = None,
        event_labels: torch.Tensor | None = None,
        word_index: torch.Tensor | None = None,
    ) -> RasdModelOutput:
        """``word_index`` (training and evaluation only) numbers each sub-token's word, ``-1`` elsewhere; with
        ``word_pooling: mean`` the slot logits are averaged over each word's sub-tokens."""
        enc_kwargs = {"input_ids": input_ids, "attention_mask": attention_mask}
        if token_type_ids is not None:
            enc_kwargs["token_type_ids"] = token_type_ids
        hidden = self.encoder(**enc_kwargs, return_dict=True).last_hidden_state
        out = RasdModelOutput()
        losses = []
        if self.slot_head is not None:
            out.slot_logits = self.slot_head(hidden)
            if word_index is not None and self.config.word_pooling == "mean":
                out.slot_logits = mean_over_words(out.slot_logits, word_index)
            if labels is not None:
                out.slot_loss = nn.functional.cross_entropy(
                    out.slot_logits.flatten(0, 1).float(), labels.flatten(), ignore_index=-100
                )
                losses.append(self.config.slot_loss_weight * out.slot_loss)
        if self.event_head is not None:
            out.event_logits = self.event_head(hidden, attention_mask)
            if event_labels is not None:
                out.event_loss = self._event_loss(out.event_logits.float(), event_labels)
                losses.append(self.config.event_loss_weight * out.event_loss)
        if losses:
            out.loss = torch.stack(losses).sum()
        return out

    def _event_loss(self, logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        if self.config.multi_label:
            # Rows of -100 mark windows whose event label must not count (see rasd.models.alignment).
            keep = (targets >= 0).all(dim=-1)
            if not keep.any():
                return logits.sum() * 0.0
            return nn.functional.binary_cross_entropy_with_logits(
                logits[keep], targets[keep].float(), pos_weight=self.event_class_weights
            )
        if not (targets != -100).any():
            return logits.sum() * 0.0
        return nn.functional.cross_entropy(logits, targets, weight=self.event_class_weights, ignore_index=-100)


def encoder_from_pretrained(name_or_path: str, **hub_kwargs) -> tuple[nn.Module, nn.Linear | None]:
    """Load a pretrained encoder and, when it has one, its pooler's dense layer (a good event-head start)."""
    encoder = AutoModel.from_pretrained(name_or_path, **hub_kwargs)
    pooler = getattr(encoder, "pooler", None)
    dense = getattr(pooler, "dense", None) if pooler is not None else None
    if pooler is not None:
        encoder.pooler = None  # rasd's event head owns the pooler; the bare encoder saves without it
    return encoder, dense
