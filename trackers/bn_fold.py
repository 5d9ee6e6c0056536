"""Inference-only rewrites of a model: BatchNorm folding and channels-last memory layout."""
from __future__ import annotations

import copy

import torch
from torch import nn
from torch.nn.utils.fusion import fuse_conv_bn_eval


def fold_batch_norm(module: nn.Module) -> nn.Module:
    """A copy of ``module`` (eval mode) with every ``BatchNorm2d`` folded into the ``Conv2d`` before it.

    A pair is folded when a ``Conv2d`` child is registered directly before a ``BatchNorm2d`` child
    of the same parent, which in every ``trackers`` module means the BN is applied to that conv's
    output (``nn.Sequential`` stages, ``conv{i}``/``bn{i}`` attributes). The BN is replaced by an
    ``Identity``; outputs are unchanged up to float rounding. The original module is untouched, so
    checkpoints keep loading into it.
    """
    folded = copy.deepcopy(module).eval()
    with torch.no_grad():
        _fold_children(folded)
    return folded


def _fold_children(parent: nn.Module) -> None:
    children = list(parent.named_children())
    for (name, child), (next_name, next_child) in zip(children, children[1:]):
        if isinstance(child, nn.Conv2d) and isinstance(next_child, nn.BatchNorm2d):
            setattr(parent, name, fuse_conv_bn_eval(child, next_child))
            setattr(parent, next_name, nn.Identity())
    for _, child in parent.named_children():
        _fold_children(child)


def to_channels_last(module: nn.Module) -> nn.Module:
    """``module`` with 4-D weights in ``torch.channels_last`` layout (in place; returns it)."""
    return module.to(memory_format=torch.channels_last)
