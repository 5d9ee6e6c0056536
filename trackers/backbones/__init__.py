"""Backbones by architecture name: each returns a list of three stride-8 feature maps."""
from __future__ import annotations

from torch import nn

from trackers.backbones.mobilenet_v2 import MobileNetV2
from trackers.backbones.resnet import ResNetAtrous
from trackers.backbones.tiny import TinyBackbone
from rgbt_runtime.errors import InputError

BACKBONES = {
    "r50": ResNetAtrous,
    "mobilev2": MobileNetV2,
    "tiny": TinyBackbone,
}


def build_backbone(arch: str) -> nn.Module:
    """A freshly initialised backbone for ``arch`` (``r50``, ``mobilev2`` or ``tiny``)."""
    if arch not in BACKBONES:
        raise InputError(f"unknown backbone '{arch}' (choose from {', '.join(BACKBONES)})")
    return BACKBONES[arch]()
