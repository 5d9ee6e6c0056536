"""Independent jobs in worker processes, each with its share of the CPU threads.

For work that is a list of independent items (image pairs to fuse), several processes with one
or a few threads each keep the cores busier than one process with all of them: a convolution's
threads meet at a barrier after every layer, while separate items never wait for each other.

* :func:`plan_workers` decides how many workers and how many torch threads each gets;
* :class:`WorkerPool` / :func:`imap_in_workers` run ``fn(job)`` for every job and yield the
  results in completion order (in this process when the plan has one worker).

Workers are started with ``spawn`` (a fresh interpreter: no inherited OpenMP or NNPACK thread
pool, which ``fork`` would leave broken), ignore Ctrl-C (the parent stops them) and, on Linux,
die with the parent even when it is killed with SIGKILL, so an interrupted run never leaves
workers writing behind it. An exception raised by ``fn`` in a worker is raised again in the
parent, and the other workers are stopped.
"""
from __future__ import annotations

import ctypes
import multiprocessing
import signal
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from rgbt_runtime.errors import InputError

PR_SET_PDEATHSIG = 1  # linux/prctl.h


@dataclass(frozen=True)
class WorkerPlan:
    """``workers`` processes with ``threads`` torch threads each."""

    workers: int
    threads: int


def check_worker_count(requested: int | None) -> None:
    """InputError unless ``requested`` (``--workers``) is None (automatic) or at least 1."""
    if requested is not None and requested < 1:
        raise InputError(f"--workers must be at least 1, got {requested}")


def plan_workers(jobs: int, threads: int, requested: int | None = None,
                 fits: Callable[[int], bool] = lambda n: True) -> WorkerPlan:
    """How to spread ``jobs`` items over ``threads`` CPU threads.

    ``requested``: a worker count (``--workers N``), or None for automatic: one worker per thread,
    no more workers than jobs, and no more than ``fits(n)`` allows (``fits(n)`` is True when ``n``
    items can be in memory at once). Each worker gets ``threads // workers`` threads (at least 1).
    """
    check_worker_count(requested)
    workers = max(1, min(requested or threads, jobs))
    if requested is None:
        while workers > 1 and not fits(workers):
            workers -= 1
    return WorkerPlan(workers, max(1, threads // workers))


def _die_with_parent() -> None:
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        except (OSError, AttributeError):  # no prctl: the worker then ends when its task pipe closes
            pass


def _start(threads: int, initializer: Callable[..., None] | None, initargs: tuple) -> None:
    import torch

    _die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    torch.set_num_threads(threads)
    if initializer is not None:
        initializer(*initargs)


class WorkerPool:
    """The workers of ``plan`` (``with WorkerPool(plan, init, args) as pool: pool.imap(fn, jobs)``).

    ``initializer(*initargs)`` runs once per worker before its first job (e.g. to load a model);
    with one worker it runs in this process when the pool is entered, and jobs run here in order.
    ``fn``, ``initializer`` and the jobs must be picklable (module-level functions, plain data).
    """

    def __init__(self, plan: WorkerPlan, initializer: Callable[..., None] | None = None, initargs: tuple = ()):
        self.plan, self.initializer, self.initargs = plan, initializer, initargs
        self._pool = None

    def __enter__(self) -> "WorkerPool":
        if self.plan.workers == 1:
            if self.initializer is not None:
                self.initializer(*self.initargs)
        else:
            context = multiprocessing.get_context("spawn")
            self._pool = context.Pool(self.plan.workers, _start, (self.plan.threads, self.initializer, self.initargs))
        return self

    def __exit__(self, *exc) -> None:
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()
            self._pool = None

    def imap(self, fn: Callable[[Any], Any], jobs: Iterable[Any]) -> Iterator[Any]:
        """``fn(job)`` for every job, in completion order; an exception in ``fn`` is raised here."""
        if self._pool is None:
            return map(fn, jobs)
        return self._pool.imap_unordered(fn, jobs)


def imap_in_workers(fn: Callable[[Any], Any], jobs: Iterable[Any], plan: WorkerPlan,
                    initializer: Callable[..., None] | None = None, initargs: tuple = ()) -> Iterator[Any]:
    """``fn(job)`` for every job in a :class:`WorkerPool` of ``plan``, in completion order."""
    with WorkerPool(plan, initializer, initargs) as pool:
        yield from pool.imap(fn, jobs)
