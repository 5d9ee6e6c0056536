"""Published EAO / A / R on VOT-RGBT (RFN-Nest paper Tables 7 and 8, VOT2019/2020 reports).

Keyed by protocol: ``"reset"`` = VOT2019-RGBT (Table 7), ``"anchor"`` = VOT2020-RGBT (Table 8).
The paper's "RFN-based" tracker is this package's ``RFN-AFAT``.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PublishedScore:
    """One published row: tracker name as printed, and the name of our equivalent (if any)."""

    tracker: str
    eao: float
    accuracy: float
    robustness: float
    ours: str | None = None


PROTOCOL_TITLES = {"reset": "VOT2019-RGBT (reset-based, paper Table 7)",
                   "anchor": "VOT2020-RGBT (anchor-based, paper Table 8)"}

PUBLISHED: dict[str, tuple[PublishedScore, ...]] = {
    "reset": (
        PublishedScore("AFAT-RGB", 0.3259, 0.6113, 0.5700, ours="AFAT-RGB"),
        PublishedScore("AFAT-IR", 0.1812, 0.5674, 0.1800, ours="AFAT-IR"),
        PublishedScore("RFN-based", 0.3584, 0.6447, 0.6500, ours="RFN-AFAT"),
        PublishedScore("FSRPN", 0.3553, 0.6362, 0.7069),
        PublishedScore("mfDiMP", 0.3879, 0.6019, 0.8036),
        PublishedScore("JMMAC", 0.4826, 0.6649, 0.8211),
    ),
    "anchor": (
        PublishedScore("AFAT-RGB", 0.329, 0.635, 0.669, ours="AFAT-RGB"),
        PublishedScore("AFAT-IR", 0.265, 0.573, 0.588, ours="AFAT-IR"),
        PublishedScore("RFN-based", 0.371, 0.668, 0.726, ours="RFN-AFAT"),
        PublishedScore("DFAT", 0.390, 0.672, 0.779),
        PublishedScore("M2C2Frgbt", 0.332, 0.636, 0.722),
    ),
}


def published(protocol: str, ours: str) -> PublishedScore | None:
    """The published row matching our tracker ``ours`` under ``protocol``, if there is one."""
    return next((p for p in PUBLISHED.get(protocol, ()) if p.ours == ours), None)
