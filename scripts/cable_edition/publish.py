"""The output folder: what the tool owns there, and publishing a build into it atomically.

For ``--out PARENT/NAME`` the tool owns exactly these entries of PARENT, and touches no other:

    NAME               a symbolic link to .NAME.versions/vNNNNNN: the published build
    .NAME.versions/    one complete build per folder vNNNNNN (marked with .cable-edition and
                       never changed once published); tmp-* while a build is staged
    .NAME.lock         held (flock) while a build runs, so that builds take turns
    .NAME.link-*       the next link, for the instant before it replaces NAME

A build is staged in a new folder (unchanged documents carried over by hard links),
renamed to the next version, and published by one rename(2) of a new link over NAME: at
every instant NAME is the complete old build or the complete new one, whatever kills the
process. The version before is kept until the next build, for readers still inside it.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import re
import secrets
import shutil
import signal
import stat
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

from cable_edition import __version__
from cable_edition.diagnostics import Diagnostic, UserError
from cable_edition.project import MARK

VERSION = re.compile(r"v(\d{6,})\Z")
# The largest published file read back (by serve, merge): far above any real output.
MAX_PUBLISHED_FILE = 1 << 30


def write_failure(exc: OSError, folder: Path | str) -> str:
    """Why a write into ``folder`` failed, in words: a full disk and a file system out of
    inodes both say ENOSPC, and only the second leaves free space to puzzle over."""
    if exc.errno == errno.ENOSPC:
        try:
            if os.statvfs(folder).f_favail == 0:
                return "No space left on device: no free inodes (the file system holds as many files as it can)"
        except OSError:
            pass
    return exc.strerror or str(exc)


def refuse(path: Path | str, message: str) -> UserError:
    return UserError(Diagnostic(str(path), 0, 0, "error", message, "output"), exit_code=2)


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def is_output(path: Path | str) -> bool:
    """Whether ``path`` lies inside a build of cable-edition (outputs are never inputs)."""
    real = os.path.realpath(path)
    return any(re.fullmatch(r"\..+\.versions", part) for part in Path(real).parts)


@dataclass(frozen=True)
class Output:
    """An output folder, checked to be the tool's to write (see :func:`claim`)."""

    path: Path          # PARENT/NAME, with PARENT's links resolved
    name: str

    @property
    def parent(self) -> Path:
        return self.path.parent

    @property
    def versions(self) -> Path:
        return self.parent / f".{self.name}.versions"

    def _link_text(self, version: str) -> str:
        return f".{self.name}.versions/{version}"

    def current(self) -> Path | None:
        """The published build (a version folder), or None before the first."""
        version = self._current_version()
        return self.versions / version if version and (self.versions / version).is_dir() else None

    def _current_version(self) -> str | None:
        try:
            target = os.readlink(self.path)
        except OSError:
            return None
        prefix = self._link_text("")
        version = target[len(prefix):] if target.startswith(prefix) else ""
        return version if VERSION.match(version) else None

    # ------------------------------------------------------------ one build at a time

    @contextmanager
    def lock(self, wait: bool = False) -> Iterator[None]:
        """Hold the output folder's lock for the duration of a build."""
        lock_path = self.parent / f".{self.name}.lock"
        try:
            # O_NOFOLLOW: a link planted at the lock's name must not make us create a file elsewhere.
            descriptor = os.open(lock_path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
        except OSError as exc:
            raise refuse(lock_path, f"cannot take the lock of {self.path}: {exc.strerror or exc}") from None
        try:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
            except BlockingIOError:
                raise refuse(self.path, "another build is writing this output folder: wait for it to "
                                        "finish, or give --wait") from None
            yield
        finally:
            os.close(descriptor)

    # ------------------------------------------------------------ staging

    def prepare(self) -> None:
        """Make the versions folder, and remove what interrupted builds left (call under
        the lock): staging folders, stray links, versions older than the one before the
        published build."""
        try:
            os.mkdir(self.versions, 0o755)
        except FileExistsError:
            info = os.lstat(self.versions)
            if not stat.S_ISDIR(info.st_mode):
                raise refuse(self.versions, "is not a folder: the build keeps its versions there; "
                                            "move it away") from None
        except OSError as exc:
            raise refuse(self.parent, f"cannot write the build here: {write_failure(exc, self.parent)}") from None
        for entry in os.scandir(self.parent):
            if entry.name.startswith(f".{self.name}.link-") and entry.is_symlink():
                os.unlink(entry.path)
        self._remove_old_versions(keep=self._kept())

    def _kept(self) -> set[str]:
        current = self._current_version()
        if not current:
            return set()
        older = [e.name for e in os.scandir(self.versions) if VERSION.match(e.name) and e.name < current]
        return {current, *sorted(older)[-1:]}

    def _remove_old_versions(self, keep: set[str]) -> None:
        for entry in os.scandir(self.versions):
            if entry.name in keep or not (VERSION.match(entry.name) or entry.name.startswith("tmp-")):
                continue                      # what is not of our making stays
            if entry.is_symlink() or not entry.is_dir(follow_symlinks=False):
                os.unlink(entry.path)
            else:
                shutil.rmtree(entry.path, ignore_errors=True)

    @contextmanager
    def stage(self) -> Iterator[Path]:
        """A new, empty folder to build into; removed unless it was published."""
        try:
            staging = Path(tempfile.mkdtemp(prefix="tmp-", dir=self.versions))
        except OSError as exc:
            raise refuse(self.parent, f"cannot write the build here: {write_failure(exc, self.parent)}") from None
        try:
            yield staging
        finally:
            if staging.exists():
                shutil.rmtree(staging, ignore_errors=True)

    def carry_over(self, staging: Path, doc_id: str, files: Iterable[str]) -> bool:
        """Hard-link a document's published files into ``staging`` (published files are
        never changed in place, so versions may share them); False if any is missing."""
        current = self.current()
        if current is None:
            return False
        source, target = current / doc_id, staging / doc_id
        try:
            if not stat.S_ISDIR(os.lstat(source).st_mode):      # a link put in its place leads elsewhere
                return False
            target.mkdir()
            for name in files:
                if not (source / name).is_file() or (source / name).is_symlink():
                    raise FileNotFoundError(name)
                os.link(source / name, target / name)
        except OSError:
            shutil.rmtree(target, ignore_errors=True)
            return False
        return True

    def carry_foreign(self, staging: Path, ours: "Ownership") -> list[Diagnostic]:
        """Carry into ``staging`` everything of the published build that the tool did not
        write (a CNAME or robots.txt put there by hand, a note in a document's folder), by
        hard links: it stays where it was, byte for byte. A name the new build needs itself
        is refused, not replaced. A symbolic link is not carried (a build holds nothing that
        leads out of it): the warnings returned name each one left behind."""
        current = self.current()
        if current is None:
            return []
        left: list[Path] = []
        for entry in os.scandir(current):
            if entry.name in ours.top:
                if entry.name in ours.files and entry.is_dir(follow_symlinks=False):
                    written = ours.files[entry.name]
                    for inner in os.scandir(entry.path):
                        if written is None and os.path.lexists(staging / entry.name / inner.name):
                            continue          # unknown to a lost manifest: ours if the new build writes it
                        if written is None or inner.name not in written:
                            self._keep(Path(inner.path), staging, Path(entry.name, inner.name), left)
                continue
            self._keep(Path(entry.path), staging, Path(entry.name), left)
        return [Diagnostic(str(self.path / relative), 0, 0, "warning", "is a symbolic link, which no build "
                           "carries (it could lead out of the build): left out; put the file itself there",
                           "output") for relative in left]

    def _keep(self, source: Path, staging: Path, relative: Path, left: list[Path]) -> None:
        target = staging / relative
        if os.path.lexists(target):
            raise refuse(self.path / relative, "was not written by cable-edition, and the new build needs this "
                                               "name: move it away, then build again")
        target.parent.mkdir(exist_ok=True)
        _replicate(source, target, relative, left)

    # ------------------------------------------------------------ the switch

    def publish(self, staging: Path) -> Path:
        """Make ``staging`` the published build: mark it, rename it to the next version and
        replace the link in one rename(2); then remove versions no longer needed."""
        with open(staging / MARK, "w", encoding="utf-8") as mark:
            json.dump({"tool": "cable-edition", "version": __version__}, mark)
            mark.write("\n")
        os.chmod(staging, 0o755)
        previous = self._current_version()
        numbers = [int(m.group(1)) for e in os.scandir(self.versions) if (m := VERSION.match(e.name))]
        version = f"v{max(numbers, default=0) + 1:06d}"
        link = self.parent / f".{self.name}.link-{secrets.token_hex(6)}"
        blocked = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}
        mask = signal.pthread_sigmask(signal.SIG_BLOCK, blocked)     # a Ctrl-C now would only leave litter
        try:
            os.rename(staging, self.versions / version)
            os.symlink(self._link_text(version), link)
            if not os.path.islink(self.path) and os.path.isdir(self.path):
                os.rmdir(self.path)       # an empty folder given as --out (claim checked it is empty)
            os.replace(link, self.path)   # the switch
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        self._remove_old_versions(keep={version, *([previous] if previous else [])})
        return self.versions / version


@dataclass(frozen=True)
class Ownership:
    """What of a published build the tool wrote: names at the top, and for each document
    folder the names inside it (None: those the new build writes there)."""

    top: frozenset[str]
    files: dict[str, frozenset[str] | None]


def _replicate(source: Path, target: Path, relative: Path, left: list[Path]) -> None:
    """``target`` as a copy of ``source`` sharing its files (hard links); a link is left
    out, and its ``relative`` path added to ``left``."""
    if source.is_symlink():
        left.append(relative)
    elif source.is_dir():
        os.mkdir(target)
        for entry in os.scandir(source):
            _replicate(Path(entry.path), target / entry.name, relative / entry.name, left)
    else:
        os.link(source, target)


def read_inside(folder: Path, parts: list[str], max_bytes: int) -> bytes:
    """The bytes of the regular file ``folder``/``parts``, opened one component at a time
    without following any link (a link planted in a build never leads out of it); OSError
    if a component is a link, or the file is not a regular file or larger than ``max_bytes``."""
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC
    descriptor = os.open(folder, flags | os.O_DIRECTORY)
    try:
        for part in parts[:-1]:
            inner = os.open(part, flags | os.O_DIRECTORY, dir_fd=descriptor)
            os.close(descriptor)
            descriptor = inner
        inner = os.open(parts[-1], flags | os.O_NONBLOCK, dir_fd=descriptor)
        os.close(descriptor)
        descriptor = inner
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode) or info.st_size > max_bytes:
            raise IsADirectoryError(errno.EISDIR if stat.S_ISDIR(info.st_mode) else errno.EINVAL, "not a file")
        with os.fdopen(os.dup(descriptor), "rb") as handle:
            return handle.read(max_bytes + 1)[:max_bytes]
    finally:
        os.close(descriptor)


def claim(out_dir: Path, protected: Iterable[Path] = (), input_folders: Iterable[Path] = ()) -> Output:
    """Check that ``out_dir`` may be written by a build, or raise :class:`UserError` (exit
    2) saying why not: it must not exist, be an empty folder, or be a build link of ours;
    never a mount point, the root folder, a folder holding any of ``protected`` (the
    inputs, the project), nor a folder inside one of ``input_folders`` (where the build
    would put its own entries among the sources)."""
    absolute = Path(os.path.abspath(out_dir))
    if absolute.parent == absolute or absolute.name in ("", ".", ".."):
        raise refuse(out_dir, "cannot publish into the root folder: give a folder of its own, e.g. --out build")
    parent = Path(os.path.realpath(absolute.parent))
    path = parent / absolute.name
    output = Output(path, absolute.name)
    where = str(path) if not os.path.lexists(path) else (
        os.path.realpath(path) if output._current_version() else str(path))
    for item in protected:
        real = os.path.realpath(item)
        if _inside(real, where) or _inside(real, str(path)):
            raise refuse(out_dir, f"holds {item}, an input of the build: choose an output folder of its own")
    for folder in input_folders:
        if _inside(str(parent), os.path.realpath(folder)):
            raise refuse(out_dir, f"lies inside {folder}, a folder of the build's inputs: the build keeps its "
                                  "versions beside its output; choose an output folder outside the sources")
    if is_output(parent):
        raise refuse(out_dir, "lies inside a build of cable-edition: choose a folder outside it")
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return output
    except OSError as exc:
        raise refuse(out_dir, f"cannot use it as the output folder: {exc.strerror or exc}") from None
    if stat.S_ISLNK(info.st_mode):
        if output._current_version():
            return output
        raise refuse(out_dir, f"is a link to {os.readlink(path)}, not a build of cable-edition: "
                              "move it away or choose another output folder")
    if not stat.S_ISDIR(info.st_mode):
        raise refuse(out_dir, "is a file, not a folder: choose another output folder")
    if os.path.ismount(path):
        raise refuse(out_dir, "is a mount point: a build is published by replacing it with a link, "
                              f"which a mount point cannot be; publish into a folder inside it "
                              f"(e.g. --out {path / 'build'})")
    if os.listdir(path):
        raise refuse(out_dir, "is a folder that cable-edition did not write and is not empty: "
                              "nothing in it is replaced; choose an empty or new output folder")
    return output
