"""The per-document work of a build on a Dask cluster (``build --scheduler tcp://HOST:PORT``).

Documents travel to the workers as bytes and their outputs come back as bytes, so the
machines share no file system: a worker checks and renders a document into a scratch folder
of its own, reads the files back and removes the folder. The build's own process writes
them into its staging folder and publishes exactly as a local build does (publish.py), so a
build on a cluster is atomic, incremental and byte-identical to a local one. A worker that
dies has its tasks run again elsewhere (Dask's own retries); if a document cannot be
processed at all, the build fails and the published build stays as it was.

Byte for byte the same needs the same installation everywhere: each task carries the
build's installation (manifest.installation: the tool's version, stylesheets, schemas and
code, the versions of the libraries that shape the outputs), and a worker whose own differs
refuses the task, so that the build fails, naming the difference, rather than publishing a
mix.

Paths are sent absolute (``canonical``), so that a worker, whatever its working folder,
resolves the registers as the build does; results are given back their paths as the user
wrote them."""

from __future__ import annotations

import hashlib
import pickle
import re
import tempfile
import threading
from collections import deque
from dataclasses import replace
from pathlib import Path
from typing import Iterable, Iterator

from cable_edition.diagnostics import UserError, Diagnostic
from cable_edition.load import Input, Loaded, parse_bytes
from cable_edition.manifest import installation
from cable_edition.pipeline import DocumentResult, Worker
from cable_edition.project import Config, canonical, usable_id

# A file name a worker may give back: a plain name, never a path.
PLAIN_NAME = re.compile(r"\.?[A-Za-z0-9_][A-Za-z0-9._-]*")
IN_FLIGHT_PER_THREAD = 4
# A scheduler's address: [tcp://|tls://]HOST:PORT, HOST a name, an IPv4 address or a bracketed
# IPv6 one. Checked before Dask sees it: Dask fails on a malformed address with an internal
# error, and a half-made client that prints a traceback.
SCHEDULER_ADDRESS = re.compile(r"(?:(?P<scheme>tcp|tls)://)?(?P<host>[A-Za-z0-9._-]+|\[[0-9A-Fa-f:.]+\]):"
                               r"(?P<port>[0-9]{1,5})")
# How a TLS-only scheduler hangs up on a plain tcp:// client, as Dask reports it.
TLS_HANG_UP = ("Connection reset", "Stream is closed")
# What a TLS connection needs, from Dask's own configuration (its YAML files, or the
# environment variables named here): the certificate authority, and this machine's
# certificate and key (the key may be in the certificate's file).
TLS_SETTINGS = {"distributed.comm.tls.ca-file": "DASK_DISTRIBUTED__COMM__TLS__CA_FILE",
                "distributed.comm.tls.client.cert": "DASK_DISTRIBUTED__COMM__TLS__CLIENT__CERT",
                "distributed.comm.tls.client.key": "DASK_DISTRIBUTED__COMM__TLS__CLIENT__KEY"}

_workers: dict[str, tuple[Worker, dict[str, str]]] = {}
_lock = threading.Lock()


class InstallationDiffers(Exception):
    """A worker's installation is not the build's: its outputs could differ."""


def differences(here: dict[str, str], there: dict[str, str]) -> str:
    """The build's installation against a worker's, in words."""
    digests = {"stylesheets and schemas", "code"}
    keys = list(here) + [k for k in there if k not in here]
    return "; ".join(f"cable-edition's {k}: not the same" if k in digests
                     else f"{k} {here.get(k)} here, {there.get(k)} there"
                     for k in keys if here.get(k) != there.get(k))


def client_for(address: str):
    """A client of the scheduler at ``address``; a clear error where Dask is missing or the
    scheduler does not answer."""
    match = SCHEDULER_ADDRESS.fullmatch(address)
    if not match or not 1 <= int(match["port"]) <= 65535:
        raise UserError(Diagnostic(address, 0, 0, "error", "not a scheduler address: give tcp://HOST:PORT "
                                   "or tls://HOST:PORT, PORT from 1 to 65535", "scheduler"), 2)
    try:
        from distributed import Client
    except ImportError:
        raise UserError(Diagnostic(address, 0, 0, "error", "--scheduler needs Dask: install cable-edition's "
                                   "extra dask (pip install '.[dask]' in its checkout)", "scheduler"), 2) from None
    if match["scheme"] == "tls":
        _require_tls_settings(address)
    try:
        return Client(address, timeout="10s", set_as_default=False)
    except (OSError, TimeoutError) as exc:
        why = "the TLS handshake failed (are the certificates in Dask's TLS settings signed by the " \
              "cluster's authority?)" if "SSL" in str(exc) else "no Dask scheduler answers there"
        if match["scheme"] != "tls" and any(words in str(exc) for words in TLS_HANG_UP):
            why += " (if it speaks TLS only, give tls://HOST:PORT)"
        raise UserError(Diagnostic(address, 0, 0, "error", f"{why}: {exc}", "scheduler"), 2) from None


def _require_tls_settings(address: str) -> None:
    """A tls:// scheduler needs Dask's TLS settings, naming files that exist: said before
    Dask tries (it would wait for its timeout, then fail on the handshake)."""
    import dask

    def problem(message: str) -> UserError:
        return UserError(Diagnostic(address, 0, 0, "error", message, "scheduler"), 2)

    for key in ("distributed.comm.tls.ca-file", "distributed.comm.tls.client.cert"):
        if not dask.config.get(key, None):
            raise problem("tls:// needs Dask's TLS settings: the certificate authority and this machine's "
                          "certificate and key, in Dask's configuration or in the environment (" +
                          ", ".join(TLS_SETTINGS.values()) + ")")
    for key, variable in TLS_SETTINGS.items():
        named = dask.config.get(key, None)
        if named and not Path(named).is_file():
            raise problem(f"{key} ({variable}) names {named}: no such file")


def _worker_for(setup: tuple[str, list[tuple[str, bytes]], Config, dict[str, str]]) -> Worker:
    """The worker process's Worker for this build's registers and settings (made once), if
    its installation is the build's."""
    key, registers, config, wanted = setup
    if key not in _workers:
        loaded = [Loaded(Path(path), data, parse_bytes(Path(path), data)) for path, data in registers]
        _workers[key] = Worker(loaded, config, Path(tempfile.gettempdir())), installation()
    worker, own = _workers[key]
    if own != wanted:
        raise InstallationDiffers(differences(wanted, own))
    return worker


def process_remote(setup, path: str, shown: str, data: bytes, size: int,
                   mtime_ns: int) -> tuple[DocumentResult, dict[str, bytes]]:
    """Runs on a Dask worker: check and render one document; its result and its files."""
    with _lock, tempfile.TemporaryDirectory(prefix="cable-edition-") as scratch:
        worker = _worker_for(setup)
        worker.staging = Path(scratch)
        result = worker.process(Path(path), Input(data, size, mtime_ns))
        files = {}
        if result.rendered:
            folder = Path(scratch) / result.id
            files = {name: (folder / name).read_bytes() for name in result.files}
    result.path = shown
    result.diagnostics = [replace(d, path=shown) if d.path == path else d for d in result.diagnostics]
    return result, files


class ClusterRunner:
    """Sends the documents a build reads to the cluster, a bounded number at a time, and
    writes what comes back into the staging folder, in the order they were read."""

    def __init__(self, client, registers: list[Loaded], config: Config, staging: Path):
        self.client = client
        self.staging = staging
        payload = [(canonical(r.path), r.data) for r in registers]
        key = hashlib.sha256(pickle.dumps((payload, config))).hexdigest()
        [self.setup] = client.scatter([(key, payload, config, installation())], broadcast=True)
        threads = sum(client.nthreads().values()) or 1
        self.window = max(2, threads * IN_FLIGHT_PER_THREAD)

    def run(self, documents: Iterable[tuple[str, Input]]) -> Iterator[DocumentResult]:
        """The documents' results in the order they were read; a window of them in flight,
        so that memory stays bounded whatever the collection's size."""
        window: deque = deque()
        for path, read in documents:
            window.append(self.client.submit(process_remote, self.setup, canonical(path), path, read.data,
                                             read.size, read.mtime_ns, pure=False))
            if len(window) >= self.window:
                yield self._written(window.popleft())
        while window:
            yield self._written(window.popleft())

    def _written(self, future) -> DocumentResult:
        """A finished document's files, written into the staging folder."""
        try:
            result, files = future.result()
        except InstallationDiffers as exc:
            raise UserError(Diagnostic("", 0, 0, "error", f"a worker's installation is not this build's ({exc}): "
                                       "install the same cable-edition, with the same libraries, on every "
                                       "worker", "scheduler"), 2) from None
        except Exception as exc:          # the task failed on every worker that tried it
            raise UserError(Diagnostic("", 0, 0, "error", f"the cluster could not process a document: {exc}",
                                       "scheduler"), 2) from None
        if not result.rendered:
            return result
        if not usable_id(result.id):            # it names a folder of the staging build
            raise UserError(Diagnostic(result.path, 0, 0, "error", "a worker gave back a document id that is not "
                                       "a plain name: nothing of it written", "scheduler"), 2)
        if not all(PLAIN_NAME.fullmatch(name) for name in files):
            raise UserError(Diagnostic(result.path, 0, 0, "error", "a worker gave back a file name that is not a "
                                       "plain name: not written", "scheduler"), 2)
        target = self.staging / result.id
        try:
            target.mkdir()
        except FileExistsError:         # another document has this id: the collection check says so
            return replace(result, rendered=False, files=[])
        for name, content in files.items():
            (target / name).write_bytes(content)
        return result
