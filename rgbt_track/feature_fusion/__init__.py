"""Fusion modules for the tracker's fused mode: ``forward(rgb_feats, ir_feats) -> fused_feats``."""
