"""Single-process or ``torchrun`` (DistributedDataParallel) training with one code path.

Under ``torchrun`` the environment carries ``RANK``, ``WORLD_SIZE`` and ``LOCAL_RANK``; without it
the run is a world of one process and nothing is initialised.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist


@dataclass(frozen=True)
class DistContext:
    """Where this process sits in the job. ``is_main`` is the process that logs and writes files."""

    rank: int
    world_size: int
    local_rank: int
    device: torch.device

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @property
    def is_distributed(self) -> bool:
        return self.world_size > 1

    def wrap(self, module: torch.nn.Module) -> torch.nn.Module:
        """Wrap ``module`` in DDP when distributed, else return it unchanged."""
        if not self.is_distributed:
            return module
        device_ids = [self.local_rank] if self.device.type == "cuda" else None
        return torch.nn.parallel.DistributedDataParallel(module, device_ids=device_ids)

    def barrier(self) -> None:
        if self.is_distributed:
            dist.barrier()


def init_distributed(device: str | None = None) -> DistContext:
    """Initialise the process group when launched by ``torchrun``; pick the device.

    ``device`` None means CUDA (this process's local GPU) when available, else CPU.
    """
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    if device is None:
        device = f"cuda:{local_rank}" if torch.cuda.is_available() else "cpu"
    dev = torch.device(device)
    if dev.type == "cuda":
        torch.cuda.set_device(dev)
    if world_size > 1 and not dist.is_initialized():
        dist.init_process_group(backend="nccl" if dev.type == "cuda" else "gloo")
    return DistContext(rank=rank, world_size=world_size, local_rank=local_rank, device=dev)
