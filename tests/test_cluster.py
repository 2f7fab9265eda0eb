"""``jixiao ingest --cluster ADDRESS`` (``ingest/cluster.py``): a batch read, parsed and built on Dask workers.

Real Dask: a ``distributed.LocalCluster`` of two worker processes on loopback, a scheduler whose
only worker cannot import jixiao, and an address where no scheduler listens.

- what cannot work is said before anything is stored: no scheduler, not an address, Dask not
  installed, a worker without jixiao; each an ``error:`` with the address and a hint, exit code 2;
- the workers that join are checked to run this machine's code, and tasks run in their processes.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from app.cli import cli
from app.core import KnowledgeBase
from ingest.cluster import ClusterError, check_workers, cluster_executor, code_fingerprint, local_workers

import cloudpickle
import distributed          # in the test extra (pyproject.toml): CI has it

# this module's helpers go to the workers by value: the workers do not have tests/ on their path
cloudpickle.register_pickle_by_value(sys.modules[__name__])

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "data" / "000_33c4abcdc6cea628.txt"


@pytest.fixture(scope="module")
def cluster():
    """Two worker processes of one thread each, on loopback, as the issue asks."""
    with distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1, host="127.0.0.1",
                                  dashboard_address="127.0.0.1:0") as c:
        yield c


def _free_port() -> int:
    """A loopback port nobody listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _stored(data_dir: Path) -> dict:
    kb = KnowledgeBase.open(data_dir)
    try:
        return kb.records.documents()
    finally:
        kb.close()


# ---- what cannot work, said before anything is stored ---------------------------------------

def test_an_unreachable_scheduler_is_one_error_naming_the_address(tmp_path):
    address = f"tcp://127.0.0.1:{_free_port()}"
    started = time.monotonic()
    out = subprocess.run([sys.executable, "-m", "app.cli", "ingest", "-q", "--cluster", address,
                          "--data-dir", str(tmp_path / "kb"), str(SEED)],
                         capture_output=True, text=True, timeout=120, cwd=ROOT)
    took = time.monotonic() - started
    assert out.returncode == 2, (out.stdout, out.stderr)
    assert f"error: {address}: no Dask scheduler answered within 5 s" in out.stderr, out.stderr
    assert "hint: start one with `dask scheduler`" in out.stderr
    assert "Traceback" not in out.stderr and "Traceback" not in out.stdout
    assert took < 60, took                      # the 5 s connect timeout, plus starting Python
    assert _stored(tmp_path / "kb") == {}       # nothing ingested on this machine instead


@pytest.mark.parametrize("address, says", [
    ("nonsense://10.0.0.5:8786", "not a Dask scheduler address (unknown address scheme 'nonsense'"),
    ("local:0", "a local cluster needs at least one worker"),
])
def test_a_bad_address_is_a_bad_argument(tmp_path, address, says):
    r = CliRunner().invoke(cli, ["ingest", "-q", "--cluster", address, "--data-dir", str(tmp_path / "kb"),
                                 str(SEED)], obj={})
    assert r.exit_code == 2, r.output
    assert f"error: {address}: {says}" in r.output, r.output
    assert "hint: " in r.output and "Traceback" not in r.output
    assert _stored(tmp_path / "kb") == {}


def test_without_dask_the_hint_names_the_extra(tmp_path):
    """``distributed`` made unimportable in a fresh interpreter: the error names the extra to install."""
    code = ("import sys; sys.modules['distributed'] = None\n"
            "from app.cli import main; sys.argv = ['jixiao', 'ingest', '-q', '--cluster', 'local:2', "
            f"'--data-dir', {str(tmp_path / 'kb')!r}, {str(SEED)!r}]; main()")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert out.returncode == 2, out.stderr
    assert "error: local:2: --cluster runs the ingest on Dask distributed, which is not installed" in out.stderr
    assert "hint: pip install 'jixiao[cluster]'" in out.stderr and "Traceback" not in out.stderr


# A worker started from a Python that does not see jixiao (its editable finder and the repo taken
# off the path), with the same Dask: what a machine without `pip install jixiao` would be.
_WORKER_WITHOUT_JIXIAO = """
import sys
sys.meta_path[:] = [f for f in sys.meta_path if "__editable__" not in (getattr(f, "__module__", "") or "")
                    and "__editable__" not in type(f).__module__]
sys.path[:] = [p for p in sys.path if p not in ("", ".", {root!r})]
try:
    import ingest
    sys.exit("jixiao is still importable from " + ingest.__file__)
except ImportError:
    pass
from distributed.cli.dask_worker import main
sys.argv = ["dask-worker", "--no-nanny", "--nthreads", "1", sys.argv[1]]
main()
"""


def test_a_worker_without_jixiao_is_named_before_anything_is_submitted(tmp_path):
    script = tmp_path / "worker.py"
    script.write_text(_WORKER_WITHOUT_JIXIAO.format(root=str(ROOT)))
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    with distributed.LocalCluster(n_workers=0, host="127.0.0.1", dashboard_address="127.0.0.1:0") as scheduler:
        worker = subprocess.Popen([sys.executable, str(script), scheduler.scheduler_address], cwd=tmp_path,
                                  env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        try:
            with pytest.raises(ClusterError) as e:
                with cluster_executor(scheduler.scheduler_address, timeout=60):
                    pytest.fail("the executor was handed out")
        finally:
            worker.terminate()
            _, err = worker.communicate(timeout=30)
    assert "jixiao is still importable" not in err
    message = str(e.value)
    assert message.startswith(f"{scheduler.scheduler_address}: 1 of 1 workers cannot import jixiao (tcp://127.0.0.1:")
    assert "No module named 'ingest'" in message
    assert "hint: install the same jixiao on every worker" in message


def test_local_addresses():
    assert local_workers("local:2") == 2
    assert local_workers("local") == (os.cpu_count() or 1)
    assert local_workers("tcp://127.0.0.1:8786") is None
    assert local_workers("127.0.0.1:8786") is None
    with pytest.raises(ClusterError, match="at least one worker"):
        local_workers("local:0")


# ---- the workers ------------------------------------------------------------------------------

def test_both_workers_run_this_machines_code_in_their_own_processes(cluster):
    client = distributed.Client(cluster)
    try:
        found = check_workers(client, cluster.scheduler_address)
    finally:
        client.close()
    assert len(found) == 2 and set(found.values()) == {code_fingerprint()}
    with cluster_executor(cluster.scheduler_address) as executor:
        pids = set(executor.map(_pid_after, [0.5] * 4))
    assert len(pids) == 2 and os.getpid() not in pids


def _pid_after(seconds: float) -> int:
    time.sleep(seconds)          # long enough that one worker cannot take all four
    return os.getpid()


def test_a_local_cluster_is_started_and_stopped():
    with cluster_executor("local:2") as executor:
        pids = set(executor.map(_pid_after, [0.5] * 4))
    assert len(pids) == 2 and os.getpid() not in pids
    for pid in pids:                # the worker processes are gone
        deadline = time.monotonic() + 20
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not _alive(pid), pid


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:                            # a zombie not yet reaped by its parent counts as gone
        return Path(f"/proc/{pid}/status").read_text().split("State:")[1].split()[0] != "Z"
    except (FileNotFoundError, IndexError):
        return False
