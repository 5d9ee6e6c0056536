"""SiamRPN++ (``pysot/models/model_builder.py``): backbone -> neck -> multi-level depthwise RPN.

Submodules are named ``backbone``, ``neck`` and ``rpn_head`` so pysot model-zoo checkpoints load
strictly (``docs/tracker.md`` lists the key names).
"""
from __future__ import annotations

from torch import Tensor, nn

from trackers.backbones import build_backbone
from trackers.config import ArchSpec, get_arch
from trackers.neck import AdjustAllLayer
from trackers.rpn_head import MultiRPN


class SiameseRPN(nn.Module):
    """Siamese region-proposal network.

    Inputs are BGR crops as 0..255 floats (no normalisation): templates ``(B, 3, 127, 127)``,
    searches ``(B, 3, 255, 255)``. Outputs ``cls (B, 2A, 25, 25)`` (channel ``k*A + a``, k = 0
    background, 1 target) and ``loc (B, 4A, 25, 25)`` (channel ``j*A + a``, j = dx, dy, dw, dh).
    """

    def __init__(self, spec: ArchSpec):
        super().__init__()
        self.spec = spec
        self.backbone = build_backbone(spec.name)
        self.neck = AdjustAllLayer(spec.neck_in_channels, spec.neck_out_channels)
        self.rpn_head = MultiRPN(spec.anchors.anchor_num, spec.neck_out_channels, weighted=spec.weighted_rpn)

    def features(self, images: Tensor) -> list[Tensor]:
        """Backbone + neck: ``(B, 3, H, W)`` -> per level ``(B, C, h, w)``.

        Template-sized inputs (127) give 7x7 maps (the neck's centre crop), search-sized (255) 31x31.
        """
        return self.neck(self.backbone(images))

    def head(self, z_feats: list[Tensor], x_feats: list[Tensor]) -> tuple[Tensor, Tensor]:
        """RPN heads on per-level template ``(B, C, 7, 7)`` and search ``(B, C, 31, 31)`` features."""
        return self.rpn_head(z_feats, x_feats)

    def head_kernels(self, z_feats: list[Tensor]) -> list:
        """The heads' template side (``conv_kernel`` per level and branch), once per template."""
        return self.rpn_head.kernels(z_feats)

    def head_correlate(self, kernels: list, x_feats: list[Tensor]) -> tuple[Tensor, Tensor]:
        """:meth:`head` with the template side precomputed by :meth:`head_kernels` (identical output)."""
        return self.rpn_head.correlate(kernels, x_feats)

    def forward(self, template: Tensor, search: Tensor) -> tuple[Tensor, Tensor]:
        """Training pass: ``(B, 3, 127, 127)``, ``(B, 3, 255, 255)`` -> ``(cls, loc)``."""
        return self.head(self.features(template), self.features(search))


def build_model(arch: str) -> SiameseRPN:
    """A randomly initialised :class:`SiameseRPN` for ``arch`` (``r50``, ``mobilev2``, ``tiny``)."""
    return SiameseRPN(get_arch(arch))
