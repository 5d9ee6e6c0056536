"""RFN-Nest training: stage 1 (auto-encoder), stage 2 (RFN), and the one-stage ablation."""
