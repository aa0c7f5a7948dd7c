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

SOURCE = CABLE.read_text(encoding="utf-8")


def distributed():
    try:
        import distributed
    except ImportError:
        message = "Dask is not installed (pip install 'cable-edition[dask]'); .ci/setup installs it"
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


@pytest.mark.parametrize("address", ["foo", "tcp://", "inproc://x", "tcp://host:port", "tcp://127.0.0.1:99999",
                                     "tcp://127.0.0.1:0", "tls://127.0.0.1:8786", "tcp://127.0.0.1:8786/path"])
def test_a_malformed_scheduler_address_is_a_clear_error(tmp_path, address):
    # Dask itself fails on these with an internal error and a half-made client's traceback
    tei = collection(tmp_path, 1)
    result = run_cli("build", str(tei), "--out", str(tmp_path / "b"), "--scheduler", address)
    assert result.returncode == 2, result.stderr
    assert f"{address}: error: not a scheduler address: give tcp://HOST:PORT" in result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    assert not (tmp_path / "b").exists()


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
    build = subprocess.Popen([sys.executable, "-m", "cable_edition", "build", str(tei), "--out", str(out),
                              "--scheduler", cluster.scheduler_address],
                             cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
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
