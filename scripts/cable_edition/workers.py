"""Worker processes that die with the process that started them.

Each worker is a fresh Python (never a fork of a process running Saxon) whose very first
instructions ask the kernel to kill it when its parent dies (PR_SET_PDEATHSIG) and then
check that the parent is still the one that started it, so no window is left in which a
killed build leaves a worker behind. Tasks and results travel as length-prefixed pickles
over the worker's own stdin and stdout, which no other process holds: a worker whose parent
is gone also reads end-of-file and stops."""

from __future__ import annotations

import itertools
import os
import pickle
import selectors
import signal
import struct
import subprocess
import sys
import traceback
from typing import Any, Callable, Iterable, Iterator

from cable_edition.diagnostics import InternalError

# Runs in the worker before anything else (no import of ours, no site customisation
# needed): the parent-death signal first, then the check that closes the race.
BOOT = """\
import ctypes, os, sys
try:
    ctypes.CDLL(None, use_errno=True).prctl(1, 9)   # PR_SET_PDEATHSIG, SIGKILL
except (OSError, AttributeError):
    pass
if os.getppid() != int(sys.argv[1]):
    os._exit(70)
from cable_edition.workers import serve
serve()
"""

# The same first instructions, then another program in this process's place: a helper
# program (Pagefind) dies with the build too (the parent-death signal survives exec).
EXEC_TIED = """\
import ctypes, os, sys
try:
    ctypes.CDLL(None, use_errno=True).prctl(1, 9)
except (OSError, AttributeError):
    pass
if os.getppid() != int(sys.argv[1]):
    os._exit(70)
os.execv(sys.argv[2], sys.argv[2:])
"""


def tied_to_this_process(command: list[str]) -> list[str]:
    """``command``, started so that it dies with this process, whatever kills it."""
    return [sys.executable, "-c", EXEC_TIED, str(os.getpid()), *command]


_HEADER = struct.Struct("!Q")


def _send(stream, message: Any) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_HEADER.pack(len(data)) + data)
    stream.flush()


def _receive(stream) -> Any:
    header = stream.read(_HEADER.size)
    if len(header) < _HEADER.size:
        raise EOFError
    (length,) = _HEADER.unpack(header)
    data = stream.read(length)
    if len(data) < length:
        raise EOFError
    return pickle.loads(data)


def serve() -> None:
    """The worker's loop: an initializer call, then batches of calls, until end-of-file."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)        # Ctrl-C is the parent's to handle
    inbox, outbox = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr                             # nothing else may write to the pipe
    while True:
        try:
            function, batch = _receive(inbox)
        except EOFError:
            return
        try:
            answer = ("ok", [function(*args) for args in batch])
        except BaseException as exc:                    # sent back, raised in the parent
            answer = ("error", (exc, traceback.format_exc()))
        _send(outbox, answer)


# Below this many documents one process does the work sooner than starting others would.
PARALLEL_THRESHOLD = 32


def pool_size(jobs: int, items: int) -> int:
    """How many worker processes to share ``items`` documents among, ``jobs`` asked for:
    1 (no pool) for a small collection; never more than the CPUs, which a pass over XML
    keeps busy, nor than one per PARALLEL_THRESHOLD documents."""
    if jobs <= 1 or items < PARALLEL_THRESHOLD:
        return 1
    return max(1, min(jobs, os.cpu_count() or 1, items // PARALLEL_THRESHOLD))


def chunk_size(jobs: int, items: int) -> int:
    """Documents sent to a worker at a time: about eight chunks per worker, at most 32."""
    return max(1, min(32, items // (jobs * 8)))


class WorkerError(InternalError):
    """A worker process died or failed outside a document."""


class Pool:
    """``jobs`` worker processes, each set up by ``initializer(*initargs)``."""

    def __init__(self, jobs: int, initializer: Callable, initargs: tuple):
        self._workers: list[subprocess.Popen] = []
        try:
            for _ in range(jobs):
                worker = subprocess.Popen([sys.executable, "-c", BOOT, str(os.getpid())],
                                          stdin=subprocess.PIPE, stdout=subprocess.PIPE, close_fds=True)
                self._workers.append(worker)
                _send(worker.stdin, (initializer, [initargs]))
            for worker in self._workers:          # they set up side by side; wait for each
                self._answer(worker)
        except BaseException:
            self.close()
            raise

    @staticmethod
    def _answer(worker: subprocess.Popen) -> list:
        try:
            status, value = _receive(worker.stdout)
        except EOFError:
            raise WorkerError(f"a worker process died (exit status {worker.wait()})") from None
        if status == "error":
            exc, trace = value
            if isinstance(exc, Exception):
                exc.worker_traceback = trace
                raise exc
            raise WorkerError(f"a worker failed: {trace.strip().splitlines()[-1]}")
        return value

    def map(self, function: Callable, items: Iterable[tuple], chunk: int = 8) -> Iterator[Any]:
        """``function(*item)`` for every item, in the workers; results in the items' order.
        Items are drawn only as workers become free, so a lazy ``items`` keeps memory small."""
        source = iter(items)
        batches = enumerate(iter(lambda: list(itertools.islice(source, chunk)), []))
        results: dict[int, list] = {}
        busy: dict[int, int] = {}                     # worker index -> batch number
        selector = selectors.DefaultSelector()
        next_out = 0
        try:
            for index, worker in enumerate(self._workers):
                batch = next(batches, None)
                if batch is None:
                    break
                busy[index] = batch[0]
                _send(worker.stdin, (function, batch[1]))
                selector.register(worker.stdout, selectors.EVENT_READ, index)
            while busy:
                for key, _ in selector.select():
                    index = key.data
                    worker = self._workers[index]
                    results[busy[index]] = self._answer(worker)
                    batch = next(batches, None)
                    if batch is None:
                        del busy[index]
                        selector.unregister(worker.stdout)
                    else:
                        busy[index] = batch[0]
                        _send(worker.stdin, (function, batch[1]))
                while next_out in results:
                    yield from results.pop(next_out)
                    next_out += 1
        finally:
            selector.close()

    def close(self) -> None:
        """Stop every worker now (their work is done or no longer wanted)."""
        for worker in self._workers:
            if worker.poll() is None:
                worker.kill()
        for worker in self._workers:
            worker.wait()
            for stream in (worker.stdin, worker.stdout):
                try:
                    stream.close()
                except OSError:
                    pass
        self._workers = []

    def __enter__(self) -> "Pool":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
