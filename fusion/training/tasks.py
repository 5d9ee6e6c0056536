"""What one training step computes, per stage, as modules (so DDP can wrap them).

Each task's ``forward(batch) -> (loss, terms)``; only ``trainable_parameters()`` are optimised.
"""
from __future__ import annotations

import torch
from torch import Tensor, nn

from fusion.model import RFNNest
from fusion.training.losses import AutoencoderLossConfig, RFNLossConfig, autoencoder_loss, rfn_loss


class AutoencoderTask(nn.Module):
    """Stage 1: encoder + decoder reconstruct the image. Batch: ``(B, 1, S, S)``."""

    def __init__(self, model: RFNNest, loss: AutoencoderLossConfig):
        super().__init__()
        self.model, self.loss = model, loss
        model.rfn.requires_grad_(False)

    def trainable_parameters(self) -> list[nn.Parameter]:
        return [*self.model.encoder.parameters(), *self.model.decoder.parameters()]

    def forward(self, batch: Tensor) -> tuple[Tensor, dict[str, float]]:
        return autoencoder_loss(self.model.reconstruct(batch), batch, self.loss)


class RFNTask(nn.Module):
    """Stage 2 (``one_stage=False``): RFN only, encoder and decoder frozen (gradients flow
    through the decoder). One-stage ablation (``one_stage=True``): everything trainable.
    Batch: ``(ir (B, 1, S, S), vis (B, 1, S, S))``.
    """

    def __init__(self, model: RFNNest, loss: RFNLossConfig, one_stage: bool = False):
        super().__init__()
        self.model, self.loss, self.one_stage = model, loss, one_stage
        model.requires_grad_(one_stage)
        model.rfn.requires_grad_(True)

    def trainable_parameters(self) -> list[nn.Parameter]:
        return list(self.model.parameters()) if self.one_stage else list(self.model.rfn.parameters())

    def forward(self, batch: tuple[Tensor, Tensor]) -> tuple[Tensor, dict[str, float]]:
        ir, vis = batch
        with torch.set_grad_enabled(self.one_stage and torch.is_grad_enabled()):
            features = self.model.encode(torch.cat([ir, vis], dim=0))
        b = ir.shape[0]
        features_ir, features_vi = [f[:b] for f in features], [f[b:] for f in features]
        fused = self.model.rfn(features_ir, features_vi)
        return rfn_loss(self.model.decode(fused), fused, features_ir, features_vi, vis, self.loss)
