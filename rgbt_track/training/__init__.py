"""AFAT's QPN training (``qpn``); the tracking RFN's training is ``rgbt_track.rfn.training``, the base
tracker's ``trackers.training.base_tracker``."""
