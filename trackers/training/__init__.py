"""Training pieces of the Siamese tracker: pair sampling, anchor targets, losses (pysot style)."""
from trackers.training.losses import LossConfig, siamrpn_loss
from trackers.training.pairs import PairConfig, PairDataset, PairSource
from trackers.training.targets import AnchorTarget, TargetConfig

__all__ = ["LossConfig", "siamrpn_loss", "PairConfig", "PairDataset", "PairSource", "AnchorTarget",
           "TargetConfig"]
