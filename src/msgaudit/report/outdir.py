"""The output folder holds one report set, written as a unit, never over an input and never through a link.

    with ReportDir.claim(out, names, inputs=paths) as target:   # refuse an --out over an input; lock it
        with target.staging() as stage:                          # a private folder inside --out
            stage.add("report.html", html_bytes)
            stage.publish(about)                                 # moved in, manifest.json last

Why each step:
- The lock (flock, or msvcrt on Windows; the system drops it when the process dies, so a crash
  leaves no stale lock) refuses a second audit into the same folder while the first runs.
- Files are staged under a folder `mkdtemp` names unpredictably and creates private (0700), each
  created exclusively and without following links; an interrupted run removes it and leaves
  the folder as it was, so a new JSON never sits beside an older PDF.
- Moving in is a rename over the final name: a planted `report.html` symlink is replaced
  itself, never the file it points to.
- `manifest.json` (every file's SHA-256, the run id) is removed first and written last, so a
  set caught halfway by a power cut has no manifest vouching for it. Files of the previous set
  that the new one does not write are removed, but only names the previous manifest listed.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import signal
import tempfile
import threading
import uuid
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any

from msgaudit.errors import MsgauditError

MANIFEST = "manifest.json"
LOCK = ".msgaudit.lock"
_STAGING_PREFIX = ".msgaudit-staging-"
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


class OutputError(MsgauditError):
    """The output folder cannot take this report set."""


def _is_within(path: Path, folder: Path) -> bool:
    return path == folder or path.is_relative_to(folder)


def _resolved(path: Path) -> Path | None:
    """The real path, or None for a link loop (RuntimeError up to Python 3.12, OSError from 3.13)."""
    try:
        return path.resolve()
    except (OSError, RuntimeError):
        return None


def check_not_input(out: Path, inputs: Iterable[str | Path], names: Iterable[str]) -> None:
    """Refuse an output folder whose reports would replace an input, or that sits in an audited folder.

    A folder inside the audited one would also be read back as input by the next audit of that folder.
    """
    target = _resolved(out)
    if target is None:
        raise OutputError(f"{out}: a link that cannot be followed (it loops back on itself); choose another --out")
    written = {target / name for name in names}
    for raw in inputs:
        path = _resolved(Path(raw))
        if path is None:  # reading it fails later with its own one-line error; nothing can be written over it
            continue
        if path.is_dir() and _is_within(target, path):
            raise OutputError(f"{out}: the output folder is inside the audited folder {raw}; "
                              "choose an --out outside it, so no input is replaced or read back as input")
        if path in written:
            raise OutputError(f"{out}: writing the reports would replace the input {raw}; choose another --out")


def _try_lock(fd: int) -> bool:
    try:
        import fcntl
    except ImportError:  # Windows
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]
        except OSError:
            return False
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _open_no_follow(path: Path, flags: int, what: str) -> int:
    try:
        return os.open(path, flags | _NOFOLLOW, 0o644)
    except OSError as exc:
        if path.is_symlink():
            raise OutputError(f"{path}: is a symbolic link; msgaudit never writes through links in the output "
                              f"folder — remove it and run again") from None
        raise OutputError(f"{path}: cannot create the {what} ({exc.strerror})") from None


@contextlib.contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """SIGTERM unwinds like Ctrl-C, so the staging folder is removed and the folder keeps its previous set."""
    if threading.current_thread() is not threading.main_thread() or signal.getsignal(signal.SIGTERM) != signal.SIG_DFL:
        yield
        return

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


@contextlib.contextmanager
def _signals_deferred() -> Iterator[None]:
    """Moving the set in takes milliseconds; Ctrl-C or SIGTERM in the middle waits until it is done."""
    block = getattr(signal, "pthread_sigmask", None)
    if block is None:
        yield
        return
    old = block(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        yield
    finally:
        block(signal.SIG_SETMASK, old)


class ReportDir:
    """An output folder this process has locked; make one with `ReportDir.claim`."""

    def __init__(self, path: Path, names: frozenset[str]) -> None:
        self.path = path
        self.names = names

    @classmethod
    @contextlib.contextmanager
    def claim(cls, out: Path, names: Iterable[str], inputs: Iterable[str | Path] = ()) -> Iterator[ReportDir]:
        """Check `out` against the inputs, create it and hold its lock until the block ends.

        `names` are every file a report set may hold; only those are ever replaced or removed.
        """
        known = frozenset(names)
        check_not_input(out, inputs, [*known, MANIFEST, LOCK])
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(f"{out}: cannot create the output folder ({exc.strerror})") from None
        lock = out / LOCK
        fd = cls._lock(lock, out)
        try:
            with _sigterm_as_interrupt():
                folder = cls(out, known)
                folder._remove_abandoned_staging()
                yield folder
        finally:
            # Unlinked while still locked: a second audit that opened the old file cannot lock it and gives up.
            with contextlib.suppress(OSError):
                lock.unlink()
            os.close(fd)

    @staticmethod
    def _lock(lock: Path, out: Path) -> int:
        for _ in range(5):
            fd = _open_no_follow(lock, os.O_RDWR | os.O_CREAT, "lock file")
            if not _try_lock(fd):
                os.close(fd)
                raise OutputError(f"{out}: another msgaudit run is writing reports to this folder; "
                                  "wait for it to finish or choose another --out")
            try:
                same = os.path.samestat(os.fstat(fd), os.lstat(lock))
            except FileNotFoundError:
                same = False
            if same:
                return fd
            # The previous run removed the file between our open and our lock: try the new one.
            os.close(fd)
        raise OutputError(f"{out}: the lock file keeps changing; is another msgaudit run writing here?")

    def _remove_abandoned_staging(self) -> None:
        """A run killed outright (SIGKILL, power cut) leaves its staging folder; we hold the lock, so it is not live."""
        for leftover in self.path.glob(_STAGING_PREFIX + "*"):
            if leftover.is_symlink() or not leftover.is_dir():
                leftover.unlink()
            else:
                shutil.rmtree(leftover)

    @contextlib.contextmanager
    def staging(self) -> Iterator[Staging]:
        stage = Staging(self.path, Path(tempfile.mkdtemp(prefix=_STAGING_PREFIX, dir=self.path)), self.names)
        try:
            yield stage
        finally:
            shutil.rmtree(stage.folder, ignore_errors=True)


class Staging:
    """Report files written privately; `publish` moves them into the output folder as one set."""

    def __init__(self, out: Path, folder: Path, known: frozenset[str]) -> None:
        self.out = out
        self.folder = folder
        self.known = known
        self.files: dict[str, dict[str, Any]] = {}

    def add(self, name: str, data: bytes) -> None:
        if name not in self.known | {MANIFEST}:
            raise ValueError(f"{name!r} is not a report file name")
        fd = _open_no_follow(self.folder / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, "report file")
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        self.files[name] = {"name": name, "sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}

    def publish(self, about: dict[str, Any]) -> None:
        """Move every staged file in, the manifest last."""
        previous = self._previous_names()
        manifest = {**about, "run_id": uuid.uuid4().hex, "created": datetime.now(UTC).isoformat(timespec="seconds"),
                    "files": [self.files[n] for n in sorted(self.files)]}
        self.add(MANIFEST, (json.dumps(manifest, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))
        with _signals_deferred():
            (self.out / MANIFEST).unlink(missing_ok=True)
            for name in sorted(self.files):
                if name != MANIFEST:
                    self._move_in(name)
            for stale in sorted(previous - set(self.files)):
                (self.out / stale).unlink(missing_ok=True)
            self._move_in(MANIFEST)

    def _move_in(self, name: str) -> None:
        try:
            os.replace(self.folder / name, self.out / name)
        except OSError as exc:
            raise OutputError(f"{self.out / name}: cannot write the report there ({exc.strerror})") from None

    def _previous_names(self) -> set[str]:
        """Report files the previous set's manifest listed; only report names, so a planted manifest deletes nothing else."""
        path = self.out / MANIFEST
        if path.is_symlink() or not path.is_file():
            return set()
        try:
            listed = json.loads(path.read_text(encoding="utf-8")).get("files", [])
            names = {str(f["name"]) for f in listed}
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            return set()
        return names & self.known
