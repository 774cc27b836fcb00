"""CPU-bound scorers in a helper process, so they never hold the request threads' GIL.

In a big run the request threads mostly wait on the network, but every answer
is parsed under the GIL; ROUGE and checklist scoring in the same interpreter
delays them, and the first score pays rouge-score's import (nltk, 0.2-0.7 s)
in the middle of the request phase. The helper is a plain child process
(``python -c`` bootstrap, then ``serve()``) that takes length-prefixed
pickles on its stdin and answers on its stdout:

- it starts in its own session, so a terminal's Ctrl-C reaches only sumbench,
  which stops at a safe point and still needs the helper to score the
  answers already paid for;
- it exits when its stdin closes, also when sumbench is killed;
- unlike multiprocessing's spawn it never re-imports the caller's __main__;
- if it fails or dies, its open requests fail with ``HelperStopped`` and the
  runner scores them again, on another helper or in-process: nothing is lost.

``harness.run.scoring_pool`` runs several of them (``--workers N``).

Scorers are rebuilt in the helper from the suite and their names, exactly as
``plan_run`` builds them (after importing the modules that define them), and
warmed up there while the first requests run.
"""

from __future__ import annotations

import json
import os
import pickle
import queue
import subprocess
import sys
import threading
from concurrent.futures import Future
from typing import Any, BinaryIO

_BOOT = ("import json, sys; sys.path[:0] = json.loads(sys.argv[1]); "
         "from harness.run.scoring_process import serve; serve()")
_READY = -1  # message id of the helper's start-up answer: None (ready) or a one-line error


class HelperStopped(RuntimeError):
    """The helper cannot score (it failed to start, or exited): score on another helper or in-process."""


def _frame(obj: Any) -> bytes:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    return len(data).to_bytes(8, "little") + data


def _send(fh: BinaryIO, obj: Any) -> None:
    fh.write(_frame(obj))
    fh.flush()


def _recv(fh: BinaryIO) -> Any:
    head = fh.read(8)
    if len(head) < 8:
        raise EOFError
    size = int.from_bytes(head, "little")
    data = fh.read(size)
    if len(data) < size:
        raise EOFError
    return pickle.loads(data)


class ScoringProcess:
    """Parent side: ``submit`` returns a Future of per-sample ``{scorer: Result}`` dicts.

    Jobs are pickled by the caller and written to the pipe by a sender thread: the pipe holds
    only a few articles, and a caller blocked on a busy helper's full pipe would stop feeding the
    other helpers (and writing records) until that helper reads its next job.
    """

    def __init__(self, suite: Any, scorers: list[tuple[str, Any]]):
        self._proc = subprocess.Popen([sys.executable, "-c", _BOOT, json.dumps(sys.path)],
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE, start_new_session=True)
        self._futures: dict[int, Future] = {}
        self._lock = threading.Lock()
        self._next = 0
        self._stopped: str | None = None
        self._outbox: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()  # None: close its stdin
        # the defining modules too: a scorer registered outside harness.scorers (a plugin, a
        # test) is registered in the helper by importing its module
        self._outbox.put(_frame((suite, [(name, type(sc).__module__) for name, sc in scorers])))
        self._sender = threading.Thread(target=self._send_all, name="sumbench-scoring-sender", daemon=True)
        self._sender.start()
        self._reader = threading.Thread(target=self._read, name="sumbench-scoring-reader", daemon=True)
        self._reader.start()

    @property
    def stopped(self) -> str | None:
        """Why the helper cannot score any more (None while it works)."""
        return self._stopped

    @property
    def open_jobs(self) -> int:
        """Jobs sent and not answered yet: how far behind this helper is (the pool picks the lowest)."""
        return len(self._futures)

    @property
    def pid(self) -> int:
        return self._proc.pid

    def submit(self, item: Any, article: str, texts: list[str | None]) -> Future:
        """Score one pair's sample texts (call from one thread). The future is already
        running, so it cannot be cancelled: it holds an answer that was paid for."""
        fut: Future = Future()
        fut.set_running_or_notify_cancel()
        with self._lock:
            if self._stopped:
                fut.set_exception(HelperStopped(self._stopped))
                return fut
            n = self._next
            self._next += 1
            self._futures[n] = fut
        self._outbox.put(_frame((n, item, article, texts)))
        return fut

    def _send_all(self) -> None:
        stdin = self._proc.stdin
        try:
            while (data := self._outbox.get()) is not None:
                stdin.write(data)
                stdin.flush()
            stdin.close()
        except OSError:  # a broken pipe: it is gone (or it never started reading)
            self._fail(self._exit_reason())

    def _exit_reason(self) -> str:
        try:
            return f"exited (code {self._proc.wait(timeout=5)})"
        except subprocess.TimeoutExpired:
            return "stopped reading its input"

    def _read(self) -> None:
        why = None
        try:
            while True:
                n, result = _recv(self._proc.stdout)
                if n == _READY:
                    if result is not None:  # it could not build its scorers, and exits
                        why = result
                        break
                    continue
                with self._lock:
                    fut = self._futures.pop(n)
                fut.set_result(result)
        except EOFError:
            pass
        except Exception as exc:  # a reply that cannot be read: do not trust the rest either
            why = f"sent a bad reply ({type(exc).__name__}: {exc})"
            self._proc.kill()
        code = self._proc.wait()  # reaps it, also after close() (which does not wait)
        self._proc.stdout.close()
        self._fail(why or f"exited (code {code})")

    def _fail(self, why: str) -> None:
        with self._lock:
            self._stopped = self._stopped or why
            open_futures = list(self._futures.values())
            self._futures.clear()
        for fut in open_futures:
            fut.set_exception(HelperStopped(self._stopped))

    def close(self) -> None:
        """End the helper: it exits when its stdin closes. Not waited for (its interpreter's
        teardown would add to every run); the reader thread reaps it. Jobs still open here
        belong to an abandoned run: the helper is killed rather than left to finish them."""
        with self._lock:
            abandoned = bool(self._futures)
        self._outbox.put(None)  # after any job still on its way
        if abandoned:
            self._proc.kill()


AUTO_PROCESS_PAIRS = 200  # below this many pairs the helper's start-up (~0.3 s of a core) does not pay


def serve() -> None:
    """Helper side: build the scorers, then answer scoring requests until stdin closes."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # only sumbench decides when scoring stops
    stdin = sys.stdin.buffer
    replies = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # anything a scorer prints goes to stderr, never into the reply stream
    try:
        suite, wanted = _recv(stdin)
    except EOFError:
        return
    import importlib

    from harness.core.models import Item
    from harness.run.pair import score_texts
    from harness.run.plan import create_scorer

    try:
        for _, module in wanted:
            importlib.import_module(module)
        built = [(name, create_scorer(suite, name, cache=None)) for name, _ in wanted]
        score_texts(Item(id="warm-up", article="Warm up.", references=["Warm up."]), "Warm up.", ["Warm up."],
                    built)  # pays each scorer's imports now, while the parent sends its first requests
    except BaseException as exc:
        _send(replies, (_READY, f"could not build its scorers ({type(exc).__name__}: {exc})"))
        return
    _send(replies, (_READY, None))
    while True:
        try:
            n, item, article, texts = _recv(stdin)
        except EOFError:
            return
        _send(replies, (n, score_texts(item, article, texts, built)))
