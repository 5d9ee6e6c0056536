"""The l1-norm fusion module of the tracker's fused mode: ``forward(rgb_feats, ir_feats) -> fused_feats``.

The trained alternative, the tracking RFN, is ``rgbt_track.rfn``."""
