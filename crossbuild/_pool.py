"""Independent steps (cross-builds of different sdists) on every core, stopped as one.

A build is mostly a backend subprocess, so threads that drive subprocesses use every
core; they share the run's caches, which are safe for parallel use (isolated
environments are file-locked, built wheels and downloads are published atomically).

Signals arrive in the main thread only.  When it is interrupted (Ctrl-C, SIGTERM), or
when one step fails, :func:`in_parallel` kills the programs every other step has under
way (:func:`~crossbuild._subprocess.stop_all`), waits for the workers to clean up their
temporary directories, and then raises: nothing keeps running, nothing is left behind.
"""

from __future__ import annotations

import functools
import os
import queue
import threading
from collections.abc import Callable, Sequence
from typing import NoReturn, TypeVar

from ._signals import deferred
from ._subprocess import stop_all, stoppable

T = TypeVar("T")


def default_jobs() -> int:
    """The number of cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def in_parallel(calls: Sequence[Callable[[], T]], jobs: int) -> list[T]:
    """The results of ``calls``, in their order, run ``jobs`` at a time.

    The first failure (in the order the steps end) stops the others and is raised; with
    ``jobs`` 1, or a single call, the calls run one after the other in this thread.
    """
    if jobs <= 1 or len(calls) <= 1:
        return [call() for call in calls]
    waiting: queue.SimpleQueue[tuple[int, Callable[[], T]]] = queue.SimpleQueue()
    for numbered in enumerate(calls):
        waiting.put(numbered)
    # The main thread only ever waits on this queue: a signal can interrupt it anywhere
    # without leaving a lock of a worker's taken (as concurrent.futures' wait() may).
    ended: queue.SimpleQueue[tuple[int, Callable[[], T]]] = queue.SimpleQueue()
    stopping = threading.Event()

    def work() -> None:
        while not stopping.is_set():
            try:
                index, call = waiting.get_nowait()
            except queue.Empty:
                return
            try:
                result = call()
            except BaseException as error:  # handed to the main thread, which raises it
                ended.put((index, functools.partial(_reraise, error)))
            else:
                ended.put((index, functools.partial(_given, result)))

    workers = [threading.Thread(target=work, name=f"crossbuild-job-{n}", daemon=True) for n in range(jobs)]
    results: dict[int, T] = {}
    with stoppable():
        try:
            for worker in workers[: len(calls)]:
                worker.start()
            while len(results) < len(calls):
                index, outcome = ended.get()
                results[index] = outcome()  # the step's result, or its exception raised here
        except BaseException:
            stopping.set()
            stop_all()
            raise
        finally:
            with deferred():  # the workers clean up their temporary directories before we go on
                for worker in workers:
                    if worker.ident is not None:
                        worker.join()
    return [results[index] for index in range(len(calls))]


def _given(result: T) -> T:
    return result


def _reraise(error: BaseException) -> NoReturn:
    raise error
