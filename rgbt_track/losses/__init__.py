"""Losses of the tracking side: L_RFN for the reduced tracking RFN."""
from rgbt_track.losses.rfn_loss import RFNLoss, RFNLossConfig, RFNLossTerms

__all__ = ["RFNLoss", "RFNLossConfig", "RFNLossTerms"]
