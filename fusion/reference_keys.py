"""Load the reference code's checkpoints (hli1221/imagefusion-rfn-nest) into :class:`RFNNest`.

The reference saves two plain state dicts (``torch.save(model.state_dict())``):

* the auto-encoder (``nestfuse_gray_1e2.model``), a ``NestFuse_light2_nodense``: ``conv0``,
  encoder blocks ``DB1_0``..``DB4_0``, decoder blocks ``DB1_1 DB2_1 DB3_1 DB1_2 DB2_2 DB1_3`` and
  the output conv ``conv_out`` (or ``conv1..conv3`` when trained with deep supervision);
* the RFN file, a ``Fusion_network``: ``fusion_block1..4`` each with ``conv_fusion``, ``conv_ir``,
  ``conv_vi`` and ``bottelblock.0..2`` (sic).

Below those prefixes both use the same leaf names as this package: a ``ConvLayer`` holds
``conv2d.weight``/``conv2d.bias`` and a ``DenseBlock_light`` holds ``denseblock.0``/``denseblock.1``.
The names were reconstructed from the reference's ``net.py`` (the files themselves could not be
downloaded here); ``conv_first`` is accepted as an alias of ``conv0`` and a DataParallel
``module.`` prefix is dropped. Table of renames (reference -> ours):

=============================  ====================================
``conv0`` / ``conv_first``      ``encoder.stem``
``DB{m}_0``                     ``encoder.levels.{m-1}``
``DB{i}_{j}`` (j >= 1)          ``decoder.db{i}_{j}``
``conv_out``, ``conv1..3``      ``decoder.heads.conv_out``, ``decoder.heads.conv1..3``
``fusion_block{m}.conv_fusion`` ``rfn.blocks.{m-1}.conv_fusion``
``fusion_block{m}.conv_ir``     ``rfn.blocks.{m-1}.conv_a``
``fusion_block{m}.conv_vi``     ``rfn.blocks.{m-1}.conv_b``
``fusion_block{m}.bottelblock`` ``rfn.blocks.{m-1}.bottleneck``
=============================  ====================================
"""
from __future__ import annotations

import os
import re

from torch import Tensor

from fusion.model import RFNNest, RFNNestConfig
from rgbt_runtime.checkpoint_file import load_state_file
from rgbt_runtime.errors import InputError

_AUTOENCODER_RULES = [
    (r"(?:conv0|conv_first)\.", lambda m: "encoder.stem."),
    (r"DB([1-4])_0\.", lambda m: f"encoder.levels.{int(m[1]) - 1}."),
    (r"DB([1-3])_([1-3])\.", lambda m: f"decoder.db{m[1]}_{m[2]}."),
    (r"(conv_out|conv[1-3])\.", lambda m: f"decoder.heads.{m[1]}."),
]
_RFN_RULES = [
    (r"fusion_block([1-4])\.conv_fusion\.", lambda m: f"rfn.blocks.{int(m[1]) - 1}.conv_fusion."),
    (r"fusion_block([1-4])\.conv_ir\.", lambda m: f"rfn.blocks.{int(m[1]) - 1}.conv_a."),
    (r"fusion_block([1-4])\.conv_vi\.", lambda m: f"rfn.blocks.{int(m[1]) - 1}.conv_b."),
    (r"fusion_block([1-4])\.bottelblock\.", lambda m: f"rfn.blocks.{int(m[1]) - 1}.bottleneck."),
]
_INVERSE_RULES = [
    (r"encoder\.stem\.", lambda m: "conv0."),
    (r"encoder\.levels\.([0-3])\.", lambda m: f"DB{int(m[1]) + 1}_0."),
    (r"decoder\.db([1-3])_([1-3])\.", lambda m: f"DB{m[1]}_{m[2]}."),
    (r"decoder\.heads\.(conv_out|conv[1-3])\.", lambda m: f"{m[1]}."),
    (r"rfn\.blocks\.([0-3])\.conv_fusion\.", lambda m: f"fusion_block{int(m[1]) + 1}.conv_fusion."),
    (r"rfn\.blocks\.([0-3])\.conv_a\.", lambda m: f"fusion_block{int(m[1]) + 1}.conv_ir."),
    (r"rfn\.blocks\.([0-3])\.conv_b\.", lambda m: f"fusion_block{int(m[1]) + 1}.conv_vi."),
    (r"rfn\.blocks\.([0-3])\.bottleneck\.", lambda m: f"fusion_block{int(m[1]) + 1}.bottelblock."),
]


def _rename(state: dict[str, Tensor], rules, source: str) -> dict[str, Tensor]:
    if isinstance(state.get("state_dict"), dict):
        state = state["state_dict"]
    out = {}
    for key, value in state.items():
        key = key[len("module."):] if key.startswith("module.") else key
        for pattern, repl in rules:
            match = re.match(pattern, key)
            if match:
                out[repl(match) + key[match.end():]] = value
                break
        else:
            raise InputError(f"{source}: unexpected key '{key}' for the reference layout")
    return out


def autoencoder_from_reference(state: dict[str, Tensor], source: str = "auto-encoder checkpoint") -> dict[str, Tensor]:
    """Rename a reference ``NestFuse_light2_nodense`` state dict to ``encoder.*``/``decoder.*`` keys."""
    return _rename(state, _AUTOENCODER_RULES, source)


def rfn_from_reference(state: dict[str, Tensor], source: str = "RFN checkpoint") -> dict[str, Tensor]:
    """Rename a reference ``Fusion_network`` state dict to ``rfn.*`` keys."""
    return _rename(state, _RFN_RULES, source)


def to_reference(state: dict[str, Tensor]) -> tuple[dict[str, Tensor], dict[str, Tensor]]:
    """Split an :class:`RFNNest` state dict into the reference's (auto-encoder, RFN) state dicts."""
    renamed = _rename(state, _INVERSE_RULES, "RFNNest state dict")
    rfn = {k: v for k, v in renamed.items() if k.startswith("fusion_block")}
    return {k: v for k, v in renamed.items() if k not in rfn}, rfn


def load_reference_model(autoencoder: str | os.PathLike, rfn: str | os.PathLike | None = None) -> RFNNest:
    """An :class:`RFNNest` with weights from the reference's checkpoint files.

    ``rfn`` None leaves the RFN randomly initialised (use a handcrafted strategy then). Deep
    supervision is switched on when the auto-encoder file has ``conv1..3`` instead of ``conv_out``.
    Widths are read from the file. Raises :class:`InputError` for missing, corrupt or mismatched files.
    """
    state = autoencoder_from_reference(load_state_file(autoencoder), f"auto-encoder checkpoint {autoencoder}")
    try:
        channels = tuple(int(state[f"encoder.levels.{m}.denseblock.1.conv2d.weight"].shape[0]) for m in range(4))
        stem = int(state["encoder.stem.conv2d.weight"].shape[0])
    except KeyError as exc:
        raise InputError(f"auto-encoder checkpoint {autoencoder} lacks {exc.args[0]}") from None
    config = RFNNestConfig(channels=channels, stem_channels=stem,
                           deep_supervision="decoder.heads.conv1.conv2d.weight" in state)
    model = RFNNest(config)
    if rfn is not None:
        state.update(rfn_from_reference(load_state_file(rfn), f"RFN checkpoint {rfn}"))
    expected = {k for k in model.state_dict() if rfn is not None or not k.startswith("rfn.")}
    missing = sorted(expected - set(state))
    if missing:
        raise InputError(f"reference checkpoints lack '{missing[0]}' ({len(missing)} keys missing)")
    try:
        model.load_state_dict(state, strict=rfn is not None)
    except RuntimeError as exc:
        raise InputError(f"reference checkpoints do not fit the network: {str(exc).splitlines()[-1].strip()}") from None
    return model
