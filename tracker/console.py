"""What the operator sees: live progress in a terminal, structured log lines elsewhere.

On a TTY a pass shows one live line per source (documents and mentions found so far)
and logs go through rich; as a service (``--log-file``, or stderr not a terminal) every
event is one line of ``key=value`` pairs that log tools can parse.
"""

from __future__ import annotations

import datetime as dt
import logging
import sys
import threading
from pathlib import Path

from rich.console import Console
from rich.logging import RichHandler
from rich.progress import Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn

from tracker.display import plural

# Attributes every LogRecord has; anything else came in through `extra=` and is printed.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}
_NOISY = ("urllib3", "apscheduler")
# Extraction libraries log an ERROR for every page they cannot parse (an empty body, random
# bytes), four lines a page without its source. The outcome is ours to tell, once, with
# the source: "item not stored ... no main text found". Shown with -v.
_EXTRACTION = ("trafilatura", "htmldate", "charset_normalizer", "courlan")


class KeyValueFormatter(logging.Formatter):
    """``2026-11-25T18:40:02Z INFO pass done source=lemonde new_documents=3``"""

    def __init__(self, with_time: bool = True):
        super().__init__()
        self.with_time = with_time

    def format(self, record: logging.LogRecord) -> str:
        extras = " ".join(f"{k}={_value(v)}" for k, v in vars(record).items()
                          if k not in _STANDARD and not k.startswith("_"))
        text = record.getMessage() + (f" {extras}" if extras else "")
        if record.exc_info and logging.getLogger().isEnabledFor(logging.DEBUG):
            text += "\n" + self.formatException(record.exc_info)
        elif record.exc_text and logging.getLogger().isEnabledFor(logging.DEBUG):
            text += "\n" + record.exc_text  # formatted in the writing process
        if not self.with_time:
            return text
        when = dt.datetime.fromtimestamp(record.created, dt.timezone.utc)
        return f"{when:%Y-%m-%dT%H:%M:%SZ} {record.levelname} {text}"


def _value(value: object) -> str:
    text = str(value)
    return f'"{text}"' if (" " in text or not text) else text


def setup_logging(*, verbose: bool = False, log_file: Path | None = None) -> Console | None:
    """Configure logging; returns the rich console when progress should be shown live."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    for noisy in _NOISY:
        logging.getLogger(noisy).setLevel(logging.WARNING if verbose else logging.ERROR)
    for name in _EXTRACTION:
        logging.getLogger(name).setLevel(logging.WARNING if verbose else logging.CRITICAL)
    if log_file is not None:
        handler: logging.Handler = logging.FileHandler(log_file, encoding="utf-8")
        handler.setFormatter(KeyValueFormatter())
        root.addHandler(handler)
        return None
    if sys.stderr.isatty():
        console = Console(stderr=True)
        handler = RichHandler(console=console, show_path=False, markup=False)
        handler.setFormatter(KeyValueFormatter(with_time=False))
        root.addHandler(handler)
        return console
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(KeyValueFormatter())
    root.addHandler(handler)
    return None


class LiveProgress:
    """One live line per source: documents and mentions found in the current pass."""

    def __init__(self, console: Console):
        self.progress = Progress(SpinnerColumn(), TextColumn("{task.description}"),
                                 TimeElapsedColumn(), console=console, transient=False)
        self._tasks: dict[str, TaskID] = {}
        self._lock = threading.Lock()

    def __enter__(self) -> LiveProgress:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    def note(self, key: str, text: str, done: bool = False) -> None:
        """A line for a start-up step (the KB loading, the workers coming up), shown from
        the first second."""
        with self._lock:
            if key not in self._tasks:
                self._tasks[key] = self.progress.add_task(text, total=None)
            task = self._tasks[key]
        self.progress.update(task, description=text, total=1, completed=1 if done else 0)

    def update(self, source: str, documents: int, mentions: int, done: bool = False,
               failed: str | None = None) -> None:
        state = "failed: " + failed[:80] if failed else ("done" if done else "running")
        text = (f"{source}: {plural(documents, 'new document')}, "
                f"{plural(mentions, 'mention')} ({state})")
        with self._lock:
            if source not in self._tasks:
                self._tasks[source] = self.progress.add_task(text, total=None)
            task = self._tasks[source]
        self.progress.update(task, description=text, total=1, completed=1 if done else 0)
