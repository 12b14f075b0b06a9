"""``map`` on a local multi-process Dask cluster against a live app: the generated client is
passed to the tasks (pickled to its settings, rebuilt in each worker process), each task maps
its partition. Skipped when the ``dask`` extra is not installed (scripts/setup.sh installs it,
so CI runs it)."""

from __future__ import annotations

import os
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

distributed = pytest.importorskip("distributed")

pytestmark = pytest.mark.timeout(180)


def square_partition(rows: list[tuple[float, float]], app: Any) -> tuple[int, list[float]]:
    """One Dask task: the client arrived pickled; it connects on its first call."""
    with app:
        return os.getpid(), list(app.square.map(rows, concurrency=4))


def test_map_over_a_local_multiprocess_cluster(
    batch_url: str,
    batch_module: ModuleType,
    batch_module_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # the workers import the generated module by name, as a user's workers import theirs
    monkeypatch.syspath_prepend(str(batch_module_path.parent))
    monkeypatch.setenv(
        "PYTHONPATH",
        os.pathsep.join([str(batch_module_path.parent), os.environ.get("PYTHONPATH", "")]),
    )
    app = batch_module.BatchApp(batch_url)
    partitions = [[(float(i), 0.02) for i in range(k, k + 30) if i != 13] for k in (0, 30, 60, 90)]
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as dask,
    ):
        workers = sorted(dask.scheduler_info()["workers"])
        assert len(workers) == 2
        futures = [
            dask.submit(square_partition, part, app, workers=[workers[i % 2]], pure=False)
            for i, part in enumerate(partitions)
        ]
        done = dask.gather(futures)
    pids = {pid for pid, _ in done}
    assert len(pids) == 2 and os.getpid() not in pids  # two worker processes did the work
    assert [out for _, out in done] == [[x * x for x, _ in part] for part in partitions]
