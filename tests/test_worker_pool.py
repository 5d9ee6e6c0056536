"""``rgbt_runtime.worker_pool``: the plan, and jobs run in spawned worker processes."""
import os

import pytest

from rgbt_runtime.errors import InputError
from rgbt_runtime.worker_pool import WorkerPlan, WorkerPool, imap_in_workers, plan_workers


def test_plan_workers():
    assert plan_workers(jobs=10, threads=4) == WorkerPlan(4, 1)  # one worker per thread
    assert plan_workers(jobs=3, threads=8) == WorkerPlan(3, 2)  # no more workers than jobs
    assert plan_workers(jobs=10, threads=8, fits=lambda n: n <= 2) == WorkerPlan(2, 4)  # memory
    assert plan_workers(jobs=10, threads=4, requested=3, fits=lambda n: False) == WorkerPlan(3, 1)  # asked for
    assert plan_workers(jobs=0, threads=2) == WorkerPlan(1, 2)
    with pytest.raises(InputError, match="--workers must be at least 1, got 0"):
        plan_workers(jobs=5, threads=2, requested=0)


def _whoami(job):
    import torch

    if job == "bad":
        raise InputError("bad job")
    return job, os.getpid(), torch.get_num_threads(), _STARTED


_STARTED = []


def _start(tag):
    _STARTED.append(tag)


def test_jobs_run_in_spawned_workers_with_their_thread_share():
    results = list(imap_in_workers(_whoami, range(6), WorkerPlan(2, 1), _start, ("loaded",)))
    assert sorted(r[0] for r in results) == list(range(6))
    pids = {r[1] for r in results}
    assert os.getpid() not in pids and 1 <= len(pids) <= 2
    assert {r[2] for r in results} == {1} and all(r[3] == ["loaded"] for r in results)
    with pytest.raises(InputError, match="bad job"), WorkerPool(WorkerPlan(2, 1)) as pool:
        list(pool.imap(_whoami, [1, "bad", 2]))


def test_one_worker_runs_here_in_order():
    _STARTED.clear()
    results = list(imap_in_workers(_whoami, [3, 1, 2], WorkerPlan(1, 1), _start, ("here",)))
    assert [r[0] for r in results] == [3, 1, 2] and {r[1] for r in results} == {os.getpid()}
    assert _STARTED == ["here"]
