"""RFN-Nest: encoder -> per-scale fusion (RFN or a handcrafted strategy) -> nest decoder."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Callable

import torch
from torch import Tensor, nn

from fusion.decoder import NestDecoder, NoNestDecoder
from fusion.encoder import CHANNELS, NestEncoder
from fusion.rfn import ResidualFusionNetwork
from rgbt_runtime.errors import InputError
from fusion.strategies import get_strategy


@dataclass
class RFNNestConfig:
    """Architecture options; the defaults are the paper's network (``docs/fusion_network.md``)."""

    channels: tuple[int, ...] = field(default_factory=lambda: CHANNELS)
    stem_channels: int = 16
    nest: bool = True  # False: the "No-nest" decoder of the ablation (Sec. 4.6)
    deep_supervision: bool = False  # three output heads, losses averaged (off in the paper)

    @classmethod
    def from_dict(cls, values: dict) -> "RFNNestConfig":
        known = {k: v for k, v in values.items() if k in cls.__dataclass_fields__}
        if "channels" in known:
            known["channels"] = tuple(int(c) for c in known["channels"])
        return cls(**known)


class RFNNest(nn.Module):
    """The whole fusion network. Images are gray ``(B, 1, H, W)`` floats on 0..255, any size >= 8 px.

    ``forward(ir, vi, strategy="rfn")`` returns the list of decoder outputs (one image, or three
    with deep supervision), each ``(B, 1, H, W)``; :meth:`fuse` returns the last one.
    ``strategy`` is ``"rfn"`` (the learnt fusion) or a name of :data:`fusion.strategies.STRATEGIES`
    or any callable ``(phi_ir, phi_vi) -> phi_f``.
    """

    def __init__(self, config: RFNNestConfig | None = None):
        super().__init__()
        self.config = config or RFNNestConfig()
        c = self.config
        self.encoder = NestEncoder(c.channels, c.stem_channels)
        self.rfn = ResidualFusionNetwork(c.channels)
        decoder = NestDecoder if c.nest else NoNestDecoder
        self.decoder = decoder(c.channels, deep_supervision=c.deep_supervision)

    def encode(self, image: Tensor) -> list[Tensor]:
        """``(B, 1, H, W)`` -> four feature maps (see :class:`NestEncoder`)."""
        return self.encoder(image)

    def decode(self, features: list[Tensor]) -> list[Tensor]:
        """Four feature maps -> list of ``(B, 1, H, W)`` outputs."""
        return self.decoder(features)

    def fuse_features(self, features_ir: list[Tensor], features_vi: list[Tensor],
                      strategy: str | Callable[[Tensor, Tensor], Tensor] = "rfn") -> list[Tensor]:
        """Fuse two feature pyramids scale by scale."""
        if strategy == "rfn":
            return self.rfn(features_ir, features_vi)
        fn = get_strategy(strategy) if isinstance(strategy, str) else strategy
        return [fn(ir, vi) for ir, vi in zip(features_ir, features_vi)]

    def reconstruct(self, image: Tensor) -> list[Tensor]:
        """Auto-encoder pass (training stage 1): ``decode(encode(image))``."""
        return self.decode(self.encode(image))

    def forward(self, ir: Tensor, vi: Tensor, strategy: str | Callable = "rfn") -> list[Tensor]:
        if ir.shape != vi.shape:
            raise InputError(f"infrared {tuple(ir.shape)} and visible {tuple(vi.shape)} differ in shape")
        features = self.encode(torch.cat([ir, vi], dim=0))  # one encoder pass for both images
        b = ir.shape[0]
        return self.decode(self.fuse_features([f[:b] for f in features], [f[b:] for f in features], strategy))

    def fuse(self, ir: Tensor, vi: Tensor, strategy: str | Callable = "rfn") -> Tensor:
        """The final fused image ``(B, 1, H, W)`` (raw, before min-max scaling)."""
        return self(ir, vi, strategy)[-1]


def checkpoint_dict(model: RFNNest, **extra) -> dict:
    """What the package's checkpoint files hold: ``{"config", "model", **extra}`` (config as plain lists)."""
    config = asdict(model.config)
    config["channels"] = list(config["channels"])
    return {"config": config, "model": model.state_dict(), **extra}


def model_from_checkpoint(obj: dict, source: str = "checkpoint") -> RFNNest:
    """Build an :class:`RFNNest` from a dict written by :func:`checkpoint_dict` (fp16 allowed).

    Raises :class:`InputError` naming ``source`` when the dict is not such a checkpoint.
    """
    if not isinstance(obj.get("model"), dict):
        raise InputError(f"{source} is not an rfn-nest checkpoint (no 'model' entry); reference "
                         "checkpoints go through --autoencoder/--rfn")
    model = RFNNest(RFNNestConfig.from_dict(obj.get("config", {})))
    state = {k: v.float() if torch.is_tensor(v) and v.is_floating_point() else v for k, v in obj["model"].items()}
    try:
        model.load_state_dict(state)
    except RuntimeError as exc:
        raise InputError(f"{source} does not match the RFN-Nest architecture: {str(exc).splitlines()[0]}") from None
    return model
