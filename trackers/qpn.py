"""AFAT's Quality Prediction Network (QPN): is the tracker still on target? (``docs/tracker.md``).

Input: the response maps of the last K frames, ``(B, K, A, S, S)``, each circularly shifted so
that its peak sits at the corner (:func:`shift_peak_to_corner`), which makes the maps
translation invariant: only their shape (one sharp peak vs. several, spread) matters. Per frame
3 convolutions and 1 fully connected layer embed the map; two stacked LSTMs read the K
embeddings in order; a last linear layer gives two logits (index 0 = success, 1 = lost) from the
final time step.

AFAT publishes neither code nor widths. **Inferred** (``docs/tracker.md``): convs A -> 32 -> 64 -> 64, each
3x3 stride 2 padding 1 + ReLU (25 -> 13 -> 7 -> 4), FC -> 256 + ReLU, LSTM 256 x 2 layers, FC 2.
"""
from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass

import torch
from torch import Tensor, nn

from trackers.checkpoint import read_checkpoint
from rgbt_runtime.atomic import save_torch_atomic
from rgbt_runtime.errors import InputError

SUCCESS, LOST = 0, 1


@dataclass(frozen=True)
class QPNConfig:
    """QPN shape. ``history`` = K; ``anchor_num`` x ``score_size``^2 = one response map."""

    history: int = 20
    anchor_num: int = 5
    score_size: int = 25
    conv_channels: tuple = (32, 64, 64)
    embedding: int = 256
    lstm_hidden: int = 256
    lstm_layers: int = 2


def shift_peak_to_corner(response: Tensor) -> Tensor:
    """Roll ``(..., A, S, S)`` maps so that each one's maximum (over anchors and cells) is at ``[0, 0]``."""
    *lead, a, s, _ = response.shape
    flat = response.reshape(-1, a, s, s)
    out = torch.empty_like(flat)
    peaks = flat.amax(dim=1).reshape(flat.shape[0], -1).argmax(dim=1)
    for i, peak in enumerate(peaks.tolist()):
        out[i] = torch.roll(flat[i], shifts=(-(peak // s), -(peak % s)), dims=(1, 2))
    return out.reshape(response.shape)


class QualityPredictionNetwork(nn.Module):
    """``(B, K, A, S, S)`` peak-shifted responses -> ``(B, 2)`` logits (success, lost)."""

    def __init__(self, config: QPNConfig = QPNConfig()):
        super().__init__()
        self.config = config
        layers, channels, size = [], config.anchor_num, config.score_size
        for width in config.conv_channels:
            layers += [nn.Conv2d(channels, width, 3, stride=2, padding=1), nn.ReLU(inplace=True)]
            channels, size = width, (size + 1) // 2
        self.convs = nn.Sequential(*layers)
        self.fc = nn.Sequential(nn.Linear(channels * size * size, config.embedding), nn.ReLU(inplace=True))
        self.lstm = nn.LSTM(config.embedding, config.lstm_hidden, num_layers=config.lstm_layers, batch_first=True)
        self.classifier = nn.Linear(config.lstm_hidden, 2)

    def forward(self, responses: Tensor) -> Tensor:
        b, k = responses.shape[:2]
        embedded = self.embed(responses.reshape(b * k, *responses.shape[2:])).reshape(b, k, -1)
        return self.classify(embedded)

    def embed(self, responses: Tensor) -> Tensor:
        """Per-frame part: ``(N, A, S, S)`` peak-shifted maps -> ``(N, embedding)``.

        Each frame's embedding depends on that frame alone, so a tracker computes it once per frame
        and keeps the last K (:class:`trackers.afat.FailureAwareTracker` does).
        """
        return self.fc(self.convs(responses).flatten(1))

    def classify(self, embedded: Tensor) -> Tensor:
        """Sequence part: ``(B, K, embedding)`` in time order -> ``(B, 2)`` logits (success, lost)."""
        sequence, _ = self.lstm(embedded)
        return self.classifier(sequence[:, -1])

    @torch.inference_mode()
    def lost_probability(self, embedded: Tensor) -> float:
        """P(lost) for one history ``(K, embedding)`` of per-frame embeddings (:meth:`embed`)."""
        return float(torch.softmax(self.classify(embedded.unsqueeze(0)), dim=1)[0, LOST])


def qpn_file_dict(qpn: QualityPredictionNetwork, meta: dict | None = None) -> dict:
    """What a QPN weights file holds: ``{"qpn": state dict, "qpn_config": ..., "meta": ...}``.

    ``meta`` (e.g. the base tracker's ``arch`` and ``mode``, the training data) must hold plain
    values only so that the file loads with ``weights_only``. The weights are stored as fp16 (half
    the file; P(lost) moves by ~1e-3) and come back as fp32 from :func:`load_qpn`.
    """
    config = dataclasses.asdict(qpn.config)
    config["conv_channels"] = list(config["conv_channels"])
    half = {k: v.half() if v.is_floating_point() else v for k, v in qpn.state_dict().items()}
    return {"qpn": half, "qpn_config": config, "meta": dict(meta or {})}


def load_qpn(path: str | os.PathLike) -> tuple[QualityPredictionNetwork, dict]:
    """The QPN stored in ``path`` by :func:`qpn_file_dict` (eval mode) and its meta.

    Raises :class:`InputError` naming the file when it is missing, corrupt, holds NaN/Inf or is
    not a QPN file.
    """
    state = read_checkpoint(path)
    if not isinstance(state, dict) or not {"qpn", "qpn_config"} <= state.keys():
        raise InputError(f"{path} is not a QPN weights file (expected 'qpn' and 'qpn_config' entries)")
    for key, value in state["qpn"].items():
        if value.is_floating_point() and not bool(torch.isfinite(value).all()):
            raise InputError(f"checkpoint {path} has NaN/Inf values in 'qpn.{key}'")
    try:
        config = dict(state["qpn_config"])
        config["conv_channels"] = tuple(config["conv_channels"])
        qpn = QualityPredictionNetwork(QPNConfig(**config))
        qpn.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in state["qpn"].items()})
    except (TypeError, ValueError, RuntimeError, KeyError) as exc:
        raise InputError(f"{path}: bad QPN weights file: {str(exc).splitlines()[0]}") from None
    return qpn.eval(), dict(state.get("meta", {}))


def save_qpn(qpn: QualityPredictionNetwork, path: str | os.PathLike, arch: str, mode: str,
             meta: dict | None = None) -> None:
    """Write ``qpn`` to ``path`` atomically, recording the base tracker (``arch``, ``mode``) it watched.

    A QPN learns the response maps of one tracker, so :func:`load_qpn_for` refuses it for another
    architecture or input mode.
    """
    save_torch_atomic(qpn_file_dict(qpn, {**(meta or {}), "arch": arch, "mode": mode}), path)


def load_qpn_for(path: str | os.PathLike, arch: str, mode: str, anchor_num: int,
                 score_size: int) -> QualityPredictionNetwork:
    """:func:`load_qpn`, checked against the base tracker: its ``arch``, ``mode`` and response shape
    ``anchor_num x score_size x score_size``. A file that records no arch or mode (older files)
    is checked on what it records and on the response shape.
    """
    qpn, meta = load_qpn(path)
    if meta.get("arch", arch) != arch:
        raise InputError(f"{path}: this QPN was trained on the responses of the '{meta['arch']}' tracker, not "
                         f"'{arch}' (train one with 'rgbt-track train-qpn --arch {arch}')")
    if meta.get("mode", mode) != mode:
        raise InputError(f"{path}: this QPN was trained on {meta['mode']}-mode responses, not on those of this "
                         f"{mode}-mode tracker (train one with 'rgbt-track train-qpn --mode {mode}')")
    if (qpn.config.anchor_num, qpn.config.score_size) != (anchor_num, score_size):
        raise InputError(f"{path}: the QPN reads {qpn.config.anchor_num}x{qpn.config.score_size}x"
                         f"{qpn.config.score_size} responses, the '{arch}' tracker gives "
                         f"{anchor_num}x{score_size}x{score_size}")
    return qpn
