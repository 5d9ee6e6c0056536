"""The reduced residual fusion network (RFN) that fuses the tracker's RGB and IR neck features.

Paper Fig. 17 and ``docs/tracking_rfn.md``: after the shared neck, one RFN per level fuses RGB and IR features;
the same RFN serves the template (7x7) and the search (31x31) branch, and the fused features feed
the frozen RPN heads. Five convolutions per level (C = the level's channel count)::

    a     = conv_a(phi_rgb)                          3x3, C -> C     ("Conv1")
    b     = conv_b(phi_ir)                           3x3, C -> C     ("Conv2")
    out   = bottleneck(cat[a, b])                    1x1 2C -> C, then 3x3 C -> C ("Conv3", "Conv4")
    res   = conv_fusion(cat[phi_rgb, phi_ir])        3x3, 2C -> C    ("conv5", the residual)
    phi_f = out + res

For C = 256 that is 3,081,472 parameters per level. The body is ``fusion.blocks.FusionConvs``
(reflection-padded convs with bias, the image RFN's body) with one conv after the merge.

Choices where the paper is silent (see ``docs/tracking_rfn.md``):

* **Activations.** The frozen RPN heads expect *signed* features (the neck ends in a batch norm),
  so a ReLU on Conv4 or conv5 would clip half of what the heads were trained
  on. Default: ReLU after the three inner convs (Conv1-Conv3, as in the image RFN), none on the two
  convs that produce ``phi_f``. Both are switches in :class:`ReducedRFNConfig`.
* **Initialisation.** ``init="average"`` (default) starts the network at the average fusion
  ``phi_f = (phi_rgb + phi_ir) / 2``: conv5 is a centred identity kernel scaled by 1/2 per
  modality and Conv4 is zero, so a freshly built RFN already hands the heads
  features of the scale they were trained on, and training only has to learn the correction.
  ``init="default"`` keeps PyTorch's default initialisation everywhere.
* **Concatenation order** RGB first (the paper's ``cat[phi_rgb, phi_ir]``).
"""
from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from typing import Literal, Sequence

import torch
from torch import nn

from fusion.blocks import FusionConvs
from rgbt_runtime import InputError, load_state_file, save_torch_atomic


@dataclass(frozen=True)
class ReducedRFNConfig:
    """Options of the reduced tracking RFN (defaults: see the module docstring)."""

    inner_relu: bool = True
    """ReLU after Conv1, Conv2 and Conv3 (the convs inside the fusion path)."""
    output_relu: bool = False
    """ReLU after Conv4 and conv5 (the two terms of ``phi_f``); off keeps ``phi_f`` signed."""
    init: Literal["average", "default"] = "average"
    """Start at ``(phi_rgb + phi_ir) / 2`` ("average") or with PyTorch's default init."""

    def __post_init__(self) -> None:
        if self.init not in ("average", "default"):
            raise ValueError(f"init must be 'average' or 'default', got {self.init!r}")


class ReducedRFN(FusionConvs):
    """One level's RFN: ``forward(phi_rgb [B,C,h,w], phi_ir [B,C,h,w]) -> phi_f [B,C,h,w]``.

    ``fusion.blocks.FusionConvs`` with one k x k conv after the 1x1 merge. Its parameter names map
    to the paper's convs as: ``conv_a`` = Conv1 (RGB), ``conv_b`` = Conv2 (IR), ``bottleneck.0``
    = Conv3 (1x1 merge), ``bottleneck.1`` = Conv4, ``conv_fusion`` = conv5 (the residual).
    """

    def __init__(self, channels: int, config: ReducedRFNConfig = ReducedRFNConfig()):
        if channels < 1:
            raise ValueError(f"channels must be positive, got {channels}")
        super().__init__(channels, depth=1, kernel_size=3, activation=config.inner_relu)
        self.channels = channels
        self.conv_fusion.activation = config.output_relu
        self.bottleneck[-1].activation = config.output_relu
        if config.init == "average":
            self._init_as_average()

    def _init_as_average(self) -> None:
        out_conv = self.bottleneck[-1].conv2d
        res_conv = self.conv_fusion.conv2d
        c = self.channels
        with torch.no_grad():
            out_conv.weight.zero_()
            out_conv.bias.zero_()
            res_conv.weight.zero_()
            res_conv.bias.zero_()
            centre = res_conv.kernel_size[0] // 2
            index = torch.arange(c)
            res_conv.weight[index, index, centre, centre] = 0.5          # phi_rgb half
            res_conv.weight[index, index + c, centre, centre] = 0.5      # phi_ir half

    def forward(self, phi_rgb: torch.Tensor, phi_ir: torch.Tensor) -> torch.Tensor:
        if phi_rgb.shape != phi_ir.shape:
            raise ValueError(f"RGB and IR features differ in shape: {tuple(phi_rgb.shape)} vs {tuple(phi_ir.shape)}")
        return super().forward(phi_rgb, phi_ir)


class ReducedRFNFusion(nn.Module):
    """One :class:`ReducedRFN` per neck level; the tracker's fusion-module interface.

    ``forward(rgb_feats, ir_feats)`` takes two lists with one ``[B, C_l, h, w]`` tensor per level
    (template 7x7 or search 31x31, the same RFN for both) and returns the fused list.
    """

    def __init__(self, channels: Sequence[int], config: ReducedRFNConfig = ReducedRFNConfig()):
        super().__init__()
        if len(channels) == 0:
            raise ValueError("channels must name at least one level")
        self.config = config
        self.channels = [int(c) for c in channels]
        self.levels = nn.ModuleList(ReducedRFN(c, config) for c in self.channels)

    def forward(self, rgb_feats: Sequence[torch.Tensor], ir_feats: Sequence[torch.Tensor]) -> list[torch.Tensor]:
        if len(rgb_feats) != len(self.levels) or len(ir_feats) != len(self.levels):
            raise ValueError(f"expected {len(self.levels)} feature levels per modality, "
                             f"got {len(rgb_feats)} RGB and {len(ir_feats)} IR")
        return [rfn(rgb, ir) for rfn, rgb, ir in zip(self.levels, rgb_feats, ir_feats)]



def rfn_file_dict(fusion: ReducedRFNFusion, meta: dict | None = None) -> dict:
    """What an RFN weights file holds: weights, per-level channels, the RFN config and ``meta``.

    ``meta`` (the tracker ``arch`` the RFN was trained for, the training step, ...) is kept under
    ``"meta"``; every value must be plain (str, number, bool, list, dict) so the file loads with
    ``weights_only``.
    """
    return {"rfn": fusion.state_dict(), "channels": list(fusion.channels),
            "rfn_config": dataclasses.asdict(fusion.config), "meta": dict(meta or {})}


def save_rfn(fusion: ReducedRFNFusion, path: str | os.PathLike, arch: str, meta: dict | None = None) -> None:
    """Write ``fusion`` to ``path`` atomically, recording the tracker ``arch`` it was trained for.

    The RFN sits between one tracker's neck and its frozen heads, so it is only valid for that
    tracker: :func:`load_rfn_for` refuses it for another ``arch`` (``mobilev2`` and ``r50`` have
    the same 3 x 256 neck channels, so the channel check alone cannot tell them apart).
    """
    save_torch_atomic(rfn_file_dict(fusion, {**(meta or {}), "arch": arch}), path)


def load_rfn(path: str | os.PathLike, map_location: str | torch.device = "cpu") -> tuple[ReducedRFNFusion, dict]:
    """Build the :class:`ReducedRFNFusion` stored in ``path``; returns it (eval mode) and its meta.

    Raises ``InputError`` naming the file when it is missing, corrupt, has NaN weights or is not
    an RFN weights file (e.g. a tracker checkpoint passed by mistake).
    """
    state = load_state_file(path, map_location=map_location)
    missing = [k for k in ("rfn", "channels", "rfn_config") if k not in state]
    if missing:
        raise InputError(f"{path} is not an RFN weights file (missing {', '.join(missing)})")
    try:
        fusion = ReducedRFNFusion(state["channels"], ReducedRFNConfig(**state["rfn_config"]))
        fusion.load_state_dict(state["rfn"])
    except (TypeError, ValueError, RuntimeError) as exc:
        raise InputError(f"{path}: bad RFN weights file: {str(exc).splitlines()[0]}") from None
    return fusion.to(map_location).eval(), dict(state.get("meta", {}))


def load_rfn_for(path: str | os.PathLike, channels: Sequence[int], arch: str | None = None,
                 map_location: str | torch.device = "cpu") -> ReducedRFNFusion:
    """:func:`load_rfn`, checking that the RFN was trained for the tracker ``arch`` whose neck levels
    have ``channels``.

    A file that records another ``arch`` is refused (one-line :class:`InputError` naming it). A
    file without a recorded arch (written before the arch was recorded) is trusted on its
    channel counts alone.
    """
    fusion, meta = load_rfn(path, map_location)
    trained_for = meta.get("arch")
    if arch is not None and trained_for is not None and trained_for != arch:
        raise InputError(f"{path}: this RFN was trained for the '{trained_for}' tracker, not '{arch}' "
                         f"(train one with 'rgbt-track train-rfn --arch {arch}')")
    if list(fusion.channels) != [int(c) for c in channels]:
        note = f" (trained for arch '{trained_for}')" if trained_for else ""
        raise InputError(f"{path}: RFN levels have {fusion.channels} channels{note}, "
                         f"the tracker's neck has {list(channels)}")
    return fusion
