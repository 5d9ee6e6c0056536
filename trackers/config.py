"""Typed configuration of the Siamese trackers: tracking hyperparameters, anchors, architectures.

Defaults are pysot's (``pysot/core/config.py``) and the VOT settings listed in ``docs/tracker.md``.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from rgbt_runtime.errors import InputError

# The image channels (VOT's names: "color" = visible, "ir" = thermal), the input modes and the
# channels each mode reads.
CHANNELS = ("color", "ir")
MODES = ("rgb", "ir", "fused")
MODALITIES = {"rgb": ("color",), "ir": ("ir",), "fused": CHANNELS}
# Compute precisions (trackers.tracker maps them to autocast dtypes / int8 modules).
PRECISIONS = ("fp32", "bf16", "fp16", "int8")


@dataclass(frozen=True)
class TrackerHyperparams:
    """The pysot ``cfg.TRACK`` values the tracking loop uses.

    Attributes:
        penalty_k: strength of the scale / aspect-ratio change penalty.
        window_influence: weight of the cosine (Hanning) window against the penalised score.
        lr: size-update learning rate (multiplied by penalty * score of the chosen anchor).
        exemplar_size: template crop side in pixels (127).
        instance_size: search crop side in pixels (255).
        base_size: pysot's ``BASE_SIZE``; adds to the score-map size (8 -> 25x25 maps).
        context_amount: context added around the box, as a fraction of (w + h).
    """

    penalty_k: float
    window_influence: float
    lr: float
    exemplar_size: int = 127
    instance_size: int = 255
    base_size: int = 8
    context_amount: float = 0.5


@dataclass(frozen=True)
class AnchorConfig:
    """pysot's ``cfg.ANCHOR``: one anchor per (ratio, scale) at every score-map cell, ``stride`` apart."""

    stride: int = 8
    ratios: tuple = (0.33, 0.5, 1, 2, 3)
    scales: tuple = (8,)

    @property
    def anchor_num(self) -> int:
        """Anchors per score-map cell (A = 5 for pysot's defaults)."""
        return len(self.ratios) * len(self.scales)

    def score_size(self, hyperparams: TrackerHyperparams) -> int:
        """Side S of the score map: ``(instance - exemplar) // stride + 1 + base_size`` (25 in pysot)."""
        return (hyperparams.instance_size - hyperparams.exemplar_size) // self.stride + 1 + hyperparams.base_size


@dataclass(frozen=True)
class ArchSpec:
    """One architecture: how to build it and how to track with it.

    Attributes:
        name: the ``--arch`` name.
        hyperparams: tracking-loop settings tuned for this architecture.
        anchors: anchor layout (identical for all architectures here).
        neck_in_channels: channels of the backbone levels fed to the neck.
        neck_out_channels: channels after the neck (and inside the RPN heads), per level.
        weighted_rpn: whether ``MultiRPN`` learns softmax level weights (``cls_weight``/``loc_weight``).
        pysot_config: the pysot experiment whose checkpoints load into it, if any.
    """

    name: str
    hyperparams: TrackerHyperparams
    anchors: AnchorConfig = field(default_factory=AnchorConfig)
    neck_in_channels: tuple = ()
    neck_out_channels: tuple = ()
    weighted_rpn: bool = False
    pysot_config: str | None = None


# pysot's VOT settings for SiamRPN++ r50 (listed in ``docs/tracker.md``).
R50_VOT_HYPERPARAMS = TrackerHyperparams(penalty_k=0.05, window_influence=0.42, lr=0.38)
# Output widths of pysot's neck (AdjustAllLayer) in both of its l234 experiments.
PYSOT_NECK_CHANNELS = (256, 256, 256)

ARCHITECTURES: dict[str, ArchSpec] = {spec.name: spec for spec in (
    ArchSpec(
        name="r50",
        hyperparams=R50_VOT_HYPERPARAMS,
        neck_in_channels=(512, 1024, 2048),
        neck_out_channels=PYSOT_NECK_CHANNELS,
        weighted_rpn=True,
        pysot_config="siamrpn_r50_l234_dwxcorr",
    ),
    ArchSpec(  # plain (unweighted) level averaging in the RPN
        name="mobilev2",
        hyperparams=TrackerHyperparams(penalty_k=0.04, window_influence=0.4, lr=0.5),
        neck_in_channels=(44, 134, 448),
        neck_out_channels=PYSOT_NECK_CHANNELS,
        pysot_config="siamrpn_mobilev2_l234_dwxcorr",
    ),
    # tiny: no published tuning exists. It takes the r50 VOT values (``docs/tracker.md``), the
    # settings the same lab used for its VOT-RGBT entry; the generated training sequences move
    # smoothly, so the strong cosine window (0.42) suits them as well.
    ArchSpec(
        name="tiny",
        hyperparams=R50_VOT_HYPERPARAMS,
        neck_in_channels=(64, 96, 128),
        neck_out_channels=(48, 48, 48),
        weighted_rpn=True,
    ),
)}


def get_arch(name: str) -> ArchSpec:
    """The :class:`ArchSpec` called ``name``; :class:`InputError` listing the known ones otherwise."""
    try:
        return ARCHITECTURES[name]
    except KeyError:
        raise InputError(f"unknown tracker architecture '{name}' (choose from {', '.join(ARCHITECTURES)})") from None
