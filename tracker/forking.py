"""The worker pool's executor forked whole, and ended whole: what
``concurrent.futures.ProcessPoolExecutor`` does not offer, done through CPython's own
internals (read in 3.10 to 3.13), each looked up first so that another Python falls back
to the executor's own behaviour. ``tracker.workers`` runs the pool."""

from __future__ import annotations

import contextlib
import time
from concurrent.futures import ProcessPoolExecutor

SPAWN_GAP = 0.01  # seconds between two forks of the pool's processes (see fork_all)


def fork_all(executor: ProcessPoolExecutor, processes: int
             ) -> tuple[list[float], str | None]:
    """Fork every process of the pool now, one after another, each taking batches as soon
    as it is up.

    The executor itself starts a process only when a ``submit`` finds none idle: where
    forking one is slow (half a second in a gVisor sandbox, from a fork server that holds
    the tagger), the first workers were idle again before the next fork, and a pool of
    14 stopped at 6. Holding every worker's first task at a barrier until all had started
    fixed that, but then no page was tagged until the last fork, 14 forks in. CPython's
    executor (read in 3.10 to 3.13) forks through ``_spawn_process``, under
    ``_shutdown_lock``, as ``submit`` does; its manager thread, which feeds the workers
    and tells them to exit at ``shutdown``, is started here too, since a pool closed
    before any submit would otherwise leave them waiting for work. Where it has no such
    methods, processes start as submits find none idle. Returns how long each fork took
    (the first waits for the fork server's imports and tagger), and why one failed."""
    spawn = getattr(executor, "_spawn_process", None)
    manage = getattr(executor, "_start_executor_manager_thread", None)
    lock = getattr(executor, "_shutdown_lock", None)
    took: list[float] = []
    if spawn is None or manage is None or lock is None:
        return took, None
    while True:
        with lock:
            # Shut down (replaced after a death, or closed), broken, whole, or one of
            # them dead already (the pool breaks, and is replaced whole): done.
            if (getattr(executor, "_shutdown_thread", True) or executor._broken
                    or len(executor._processes) >= processes
                    or any(p.exitcode is not None for p in executor._processes.values())):
                return took, None
            started = time.monotonic()
            try:
                spawn()
                manage()
            except Exception as exc:  # noqa: BLE001 - the caller says so
                return took, f"{type(exc).__name__}: {exc}"
            took.append(time.monotonic() - started)
            wakeup = getattr(executor, "_executor_manager_thread_wakeup", None)
            if wakeup is not None:  # it watches the new process's exit too
                wakeup.wakeup()
        # Submits wait on the same lock, and a lock is not fair: taken again at once, it
        # would let no batch in until the last fork (seen on a loaded machine).
        time.sleep(SPAWN_GAP)


def end_broken(executor: ProcessPoolExecutor) -> None:
    """Shut a broken pool down, and end its processes still alive. On CPython 3.10 and
    3.11 its manager thread ends them without the lock a fork holds, so one forked just
    then could be missed, and wait for work for ever."""
    lock = getattr(executor, "_shutdown_lock", None)
    with lock if lock is not None else contextlib.nullcontext():
        left = list((getattr(executor, "_processes", None) or {}).values())
    executor.shutdown(wait=False, cancel_futures=True)
    for process in left:
        with contextlib.suppress(Exception):
            if process.exitcode is None:
                process.terminate()
