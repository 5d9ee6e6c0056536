"""Shared fixtures. ``shared_data`` finds ``../shared/data`` (or ``$RGBT_SHARED_DATA``);
``one_torch_thread`` runs a test on one intra-op thread.

When the data is missing the test is skipped with the reason, except under ``CI=true``, where a
missing data folder is a failure (CI always has it beside the clone).
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest
import torch

REPO_ROOT = Path(__file__).resolve().parents[1]


def _shared_data_dir() -> Path:
    env = os.environ.get("RGBT_SHARED_DATA")
    return Path(env) if env else REPO_ROOT.parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real-data folder; skips (or fails under CI=true) when it is absent."""
    path = _shared_data_dir()
    if not path.is_dir():
        message = f"real data folder not found: {path} (set RGBT_SHARED_DATA)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture
def one_torch_thread():
    """One intra-op thread: on the shared 2-core machine more threads are many times slower."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
