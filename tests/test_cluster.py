"""build --scheduler: the per-document work on a Dask cluster (a LocalCluster of two worker
processes on 127.0.0.1 here). Documents go out as bytes and outputs come back as bytes; the
build publishes as a local build does: byte-identical, incremental, and atomic even when a
worker is killed mid-build."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import CABLE, ROOT, TEI_DIR, comparable, copy_of, leftovers, run_cli
from tools import require

SOURCE = CABLE.read_text(encoding="utf-8")


def distributed():
    try:
        import distributed
    except ImportError:
        message = "Dask is not installed (pip install '.[dask]'); .ci/setup installs it"
        if os.environ.get("CABLE_EDITION_REQUIRE_ALL_TOOLS"):
            pytest.fail(message)
        pytest.skip(message)
    return distributed


@pytest.fixture(scope="module")
def cluster():
    dask = distributed()
    local = dask.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                              dashboard_address=None)
    yield local
    local.close()


def collection(folder: Path, count: int, variant: str = "") -> Path:
    tei = folder / "tei"
    tei.mkdir(parents=True, exist_ok=True)
    shutil.copy(TEI_DIR / "register.xml", tei)
    for n in range(count):
        text = copy_of(SOURCE, f"cable-{n:03d}").replace("Regards.", f"Regards.{variant}")
        (tei / f"cable-{n:03d}.xml").write_text(text, encoding="utf-8")
    return tei


def test_a_build_on_the_cluster_is_the_local_build_byte_for_byte_incremental_runs_too(tmp_path, cluster):
    tei = collection(tmp_path, 40)
    local, remote = tmp_path / "local", tmp_path / "remote"
    assert run_cli("build", str(tei), "--out", str(local), "--jobs", "1").returncode == 0
    result = run_cli("build", str(tei), "--out", str(remote), "--scheduler", cluster.scheduler_address)
    assert result.returncode == 0, result.stderr
    assert "built 40, unchanged 0" in result.stderr
    assert comparable(remote, manifest=False) == comparable(local, manifest=False)

    # one document changed, one removed, one added: both rebuild only those
    (tei / "cable-003.xml").write_text(copy_of(SOURCE, "cable-003").replace("Regards.", "Regards!"),
                                       encoding="utf-8")
    (tei / "cable-007.xml").unlink()
    (tei / "cable-099.xml").write_text(copy_of(SOURCE, "cable-099"), encoding="utf-8")
    assert run_cli("build", str(tei), "--out", str(local), "--jobs", "1").returncode == 0
    again = run_cli("build", str(tei), "--out", str(remote), "--scheduler", cluster.scheduler_address)
    assert again.returncode == 0, again.stderr
    assert "built 2, unchanged 38" in again.stderr
    assert comparable(remote, manifest=False) == comparable(local, manifest=False)
    nothing = run_cli("build", str(tei), "--out", str(remote), "--scheduler", cluster.scheduler_address)
    assert "built 0, unchanged 40" in nothing.stderr
    assert leftovers(remote) == []


def test_invalid_documents_are_reported_as_a_local_build_reports_them(tmp_path, cluster):
    tei = collection(tmp_path, 3)
    (tei / "cable-001.xml").write_text(copy_of(SOURCE, "cable-001").replace("</closer>", "</closr>"),
                                       encoding="utf-8")
    (tei / "cable-002.xml").write_text(copy_of(SOURCE, "cable-002").replace('cert="high"', 'cert="low"', 1),
                                       encoding="utf-8")
    local = run_cli("build", str(tei), "--out", str(tmp_path / "a"), "--jobs", "1")
    remote = run_cli("build", str(tei), "--out", str(tmp_path / "b"), "--scheduler", cluster.scheduler_address)
    assert local.returncode == remote.returncode == 1
    assert remote.stderr.replace(str(tmp_path / "b"), "OUT") == local.stderr.replace(str(tmp_path / "a"), "OUT")
    assert not (tmp_path / "b").exists()


def test_a_worker_killed_mid_build_leaves_the_old_build_or_the_new_one(tmp_path, cluster):
    """Dask runs a dead worker's tasks again elsewhere: the build goes on and publishes the
    new build, or fails and leaves the published one as it was; never a mix."""
    import distributed as dask

    tei = collection(tmp_path, 240)
    out = tmp_path / "build"
    assert run_cli("build", str(tei), "--out", str(out), "--jobs", "2").returncode == 0
    old = comparable(out, manifest=False)
    new_local = tmp_path / "expected"
    collection(tmp_path, 240, variant=" (v2)")
    assert run_cli("build", str(tei), "--out", str(new_local), "--jobs", "2").returncode == 0
    new = comparable(new_local, manifest=False)

    with dask.Client(cluster.scheduler_address) as client:
        pids = list(client.run(os.getpid).values())
    build = subprocess.Popen([sys.executable, "-m", "cable_edition", "build", str(tei), "--out", str(out),
                              "--scheduler", cluster.scheduler_address],
                             cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    versions = out.parent / f".{out.name}.versions"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:        # some documents done: the cluster is at work
        staged = [p for p in versions.iterdir() if p.name.startswith("tmp-")] if versions.is_dir() else []
        if staged and len(list(staged[0].iterdir())) >= 20:
            break
        time.sleep(0.01)
    else:
        pytest.fail("the build never started on the cluster")
    os.kill(pids[0], signal.SIGKILL)
    _, stderr = build.communicate(timeout=300)
    if build.returncode == 0:
        assert comparable(out, manifest=False) == new, stderr
    else:
        assert build.returncode in (1, 2) and "Traceback" not in stderr, stderr
        assert comparable(out, manifest=False) == old
    assert leftovers(out) == []
    # and the cluster, its worker replaced, builds again
    with dask.Client(cluster.scheduler_address) as client:
        client.wait_for_workers(2, timeout=60)
    assert run_cli("build", str(tei), "--out", str(out), "--scheduler", cluster.scheduler_address).returncode == 0
    assert comparable(out, manifest=False) == new


def test_an_address_where_no_scheduler_answers_is_a_clear_error(tmp_path):
    distributed()
    tei = collection(tmp_path, 1)
    result = run_cli("build", str(tei), "--out", str(tmp_path / "b"), "--scheduler", "tcp://127.0.0.1:9")
    assert result.returncode == 2 and "no Dask scheduler answers there" in result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "b").exists()


def test_without_dask_the_scheduler_option_says_how_to_install_it(tmp_path):
    # A machine where the extra is not installed: a stand-in package that fails to import
    hidden = tmp_path / "hidden"
    (hidden / "distributed").mkdir(parents=True)
    (hidden / "distributed" / "__init__.py").write_text("raise ImportError('not installed here')\n")
    tei = collection(tmp_path, 1)
    result = run_cli("build", str(tei), "--out", str(tmp_path / "b"), "--scheduler", "tcp://127.0.0.1:8786",
                     env={"PYTHONPATH": str(hidden)})
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "tcp://127.0.0.1:8786: error: --scheduler needs Dask: install cable-edition's extra dask " \
           "(pip install '.[dask]' in its checkout)" in result.stderr
    assert not (tmp_path / "b").exists()


@pytest.mark.parametrize("address", ["foo", "tcp://", "inproc://x", "tcp://host:port", "tcp://127.0.0.1:99999",
                                     "tcp://127.0.0.1:0", "ucx://127.0.0.1:8786", "tls://", "tcp://127.0.0.1:8786/path"])
def test_a_malformed_scheduler_address_is_a_clear_error(tmp_path, address):
    # Dask itself fails on these with an internal error and a half-made client's traceback
    tei = collection(tmp_path, 1)
    result = run_cli("build", str(tei), "--out", str(tmp_path / "b"), "--scheduler", address)
    assert result.returncode == 2, result.stderr
    assert f"{address}: error: not a scheduler address: give tcp://HOST:PORT or tls://HOST:PORT" in result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    assert not (tmp_path / "b").exists()


TLS_VARIABLES = ("DASK_DISTRIBUTED__COMM__TLS__CA_FILE", "DASK_DISTRIBUTED__COMM__TLS__CLIENT__CERT",
                 "DASK_DISTRIBUTED__COMM__TLS__CLIENT__KEY")


def certificates(folder: Path, openssl: str) -> tuple[Path, Path, Path]:
    """A certificate authority of its own, and a certificate and key for 127.0.0.1 signed by it."""
    def run(*arguments: str) -> None:
        subprocess.run([openssl, *arguments], cwd=folder, check=True, capture_output=True)

    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
        "-subj", "/CN=cable-edition test CA")
    run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "node.key", "-out", "node.csr", "-subj", "/CN=127.0.0.1")
    (folder / "san.cnf").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    run("x509", "-req", "-in", "node.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "node.pem",
        "-days", "2", "-extfile", "san.cnf")
    return folder / "ca.pem", folder / "node.pem", folder / "node.key"


@pytest.fixture(scope="module")
def tls_cluster(tmp_path_factory):
    """Two worker processes behind a scheduler that speaks TLS only, with certificates of a
    test authority."""
    dask = distributed()
    folder = tmp_path_factory.mktemp("tls")
    ca, cert, key = certificates(folder, require("openssl", "the TLS test makes its certificates with it"))
    security = dask.Security(tls_ca_file=str(ca), tls_scheduler_cert=str(cert), tls_scheduler_key=str(key),
                             tls_worker_cert=str(cert), tls_worker_key=str(key), tls_client_cert=str(cert),
                             tls_client_key=str(key), require_encryption=True)
    local = dask.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                              protocol="tls://", security=security, dashboard_address=":0")  # beside the other
    yield local, (ca, cert, key)
    local.close()


def test_a_tls_scheduler_builds_byte_for_byte_with_dask_tls_settings_and_says_what_is_missing(tmp_path, tls_cluster):
    local_cluster, files = tls_cluster
    address = local_cluster.scheduler_address
    assert address.startswith("tls://")
    settings = dict(zip(TLS_VARIABLES, map(str, files)))
    tei = collection(tmp_path, 6)
    local, remote = tmp_path / "local", tmp_path / "remote"
    assert run_cli("build", str(tei), "--out", str(local), "--jobs", "1").returncode == 0

    # No TLS settings: said at once, by name, nothing published.
    bare = run_cli("build", str(tei), "--out", str(remote), "--scheduler", address,
                   env=dict.fromkeys(TLS_VARIABLES))
    assert bare.returncode == 2 and "Traceback" not in bare.stderr
    assert f"{address}: error: tls:// needs Dask's TLS settings" in bare.stderr
    assert "DASK_DISTRIBUTED__COMM__TLS__CA_FILE" in bare.stderr and not remote.exists()
    # A setting that names no file.
    missing = run_cli("build", str(tei), "--out", str(remote), "--scheduler", address,
                      env={**settings, TLS_VARIABLES[2]: str(tmp_path / "nowhere.key")})
    assert missing.returncode == 2 and "Traceback" not in missing.stderr
    assert f"distributed.comm.tls.client.key (DASK_DISTRIBUTED__COMM__TLS__CLIENT__KEY) names " \
           f"{tmp_path / 'nowhere.key'}: no such file" in missing.stderr and not remote.exists()
    # The scheduler refuses a client whose certificate another authority signed.
    other = tmp_path / "other-ca"
    other.mkdir()
    _, other_cert, other_key = certificates(other, require("openssl", "the TLS test makes its certificates with it"))
    refused = run_cli("build", str(tei), "--out", str(remote), "--scheduler", address,
                      env={**settings, TLS_VARIABLES[1]: str(other_cert), TLS_VARIABLES[2]: str(other_key)})
    assert refused.returncode == 2, refused.stderr
    assert f"{address}: error: the TLS handshake failed (are the certificates in Dask's TLS settings signed by " \
           "the cluster's authority?)" in refused.stderr and "Traceback" not in refused.stderr
    assert not remote.exists()

    # Its address given as tcp://: the scheduler hangs up, and the message says what to give.
    plain = run_cli("build", str(tei), "--out", str(remote), "--scheduler", address.replace("tls://", "tcp://"),
                    env=settings)
    assert plain.returncode == 2 and "Traceback" not in plain.stderr and not remote.exists()
    assert "no Dask scheduler answers there (if it speaks TLS only, give tls://HOST:PORT)" in plain.stderr

    built = run_cli("build", str(tei), "--out", str(remote), "--scheduler", address, env=settings)
    assert built.returncode == 0, built.stderr
    assert "built 6, unchanged 0" in built.stderr
    assert comparable(remote, manifest=False) == comparable(local, manifest=False)
    assert leftovers(remote) == []


def test_a_worker_with_another_installation_is_refused_and_the_build_stays_as_it_was(tmp_path, cluster):
    """Byte for byte the same needs the same installation on every worker: a worker with
    another saxonche (pretended here) refuses the work, the build fails naming the
    difference, and nothing is published."""
    import distributed as dask

    def pretend_another_saxonche():
        from cable_edition import cluster as worker_side
        real = getattr(worker_side, "_real_installation", worker_side.installation)
        worker_side._real_installation = real
        worker_side.installation = lambda: {**real(), "saxonche": "0.0-other"}
        worker_side._workers.clear()

    def restore():
        from cable_edition import cluster as worker_side
        worker_side.installation = worker_side._real_installation
        worker_side._workers.clear()

    from importlib import metadata

    tei = collection(tmp_path, 3)
    out = tmp_path / "build"
    assert run_cli("build", str(tei), "--out", str(out), "--scheduler", cluster.scheduler_address).returncode == 0
    before = comparable(out)
    (tei / "cable-001.xml").write_text(copy_of(SOURCE, "cable-001").replace("Regards.", "Regards!"), encoding="utf-8")
    with dask.Client(cluster.scheduler_address) as client:
        client.run(pretend_another_saxonche)
        try:
            result = run_cli("build", str(tei), "--out", str(out), "--scheduler", cluster.scheduler_address)
        finally:
            client.run(restore)
    assert result.returncode == 2, result.stderr
    assert (f"a worker's installation is not this build's (saxonche {metadata.version('saxonche')} here, "
            "0.0-other there): install the same cable-edition") in result.stderr
    assert "Traceback" not in result.stderr
    assert comparable(out) == before and leftovers(out) == []
    # the same worker, its installation the build's again, builds
    again = run_cli("build", str(tei), "--out", str(out), "--scheduler", cluster.scheduler_address)
    assert again.returncode == 0 and "built 1, unchanged 2" in again.stderr


def test_ctrl_c_during_a_build_on_the_cluster_publishes_nothing_and_the_cluster_builds_again(tmp_path, cluster):
    tei = collection(tmp_path, 240)
    out = tmp_path / "build"
    assert run_cli("build", str(tei), "--out", str(out), "--scheduler", cluster.scheduler_address).returncode == 0
    old = comparable(out)
    collection(tmp_path, 240, variant=" (v2)")
    # Ctrl-C at its default, as from a terminal: tests run as a shell's background job inherit
    # SIGINT ignored, and Python then leaves it ignored (the build would never see it).
    build = subprocess.Popen([sys.executable, "-m", "cable_edition", "build", str(tei), "--out", str(out),
                              "--scheduler", cluster.scheduler_address],
                             cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    versions = out.parent / f".{out.name}.versions"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:        # some documents back from the cluster
        try:
            staged = [p for p in versions.iterdir() if p.name.startswith("tmp-")]
            if staged and len(list(staged[0].iterdir())) >= 20:
                break
        except FileNotFoundError:             # the staging folder came and went: too late
            break
        time.sleep(0.01)
    else:
        pytest.fail("the build never started on the cluster")
    build.send_signal(signal.SIGINT)
    _, stderr = build.communicate(timeout=120)
    if build.returncode == 0:                 # it finished before the signal: then it is whole
        pytest.fail("the build finished before it could be interrupted: make the collection larger")
    assert build.returncode == 130 and "interrupted (Ctrl-C); nothing was published" in stderr, stderr
    assert "Traceback" not in stderr
    assert comparable(out) == old and leftovers(out) == []
    again = run_cli("build", str(tei), "--out", str(out), "--scheduler", cluster.scheduler_address)
    assert again.returncode == 0 and "built 240, unchanged 0" in again.stderr, again.stderr
