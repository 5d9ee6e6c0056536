"""The tracking RFN: the reduced residual fusion network between the frozen tracker's neck and heads.

* ``model`` - one reduced RFN per feature level (``TrackingRFN``), its file format (``save_rfn``,
  ``load_rfn_for``: the file records the tracker arch it was trained for);
* ``loss`` - L_RFN = alpha * L_detail + L_feature (paper Eq. 7 with the l1-norm fusion as the
  detail target);
* ``training`` - the RFN's task for the one trainer (``rgbt_runtime.trainer``): frozen tracker,
  GTOT / VT821 / VT1000 / VOT-layout pairs, held-out validation.

``docs/tracking_rfn.md`` describes the design and its measured effect.
"""
from rgbt_track.rfn.loss import RFNLoss, RFNLossConfig, RFNLossTerms

__all__ = ["RFNLoss", "RFNLossConfig", "RFNLossTerms"]
