"""``jixiao ingest --cluster ADDRESS`` (``ingest/cluster.py``): a batch read, parsed and built on Dask workers.

Real Dask: a ``distributed.LocalCluster`` of two worker processes on loopback, a scheduler whose
only worker cannot import jixiao, and an address where no scheduler listens.

- the seed and every template fixture (each in one of its renderings, the formats taken in turn)
  plus a damaged workbook, ingested on two workers through ``kb.ingest(executor=…)`` and through
  ``jixiao ingest --cluster``, give the graph (every quad) and the records of the same batch
  ingested in this process, one file after another; the damaged file is named and the rest stored;
- what cannot work is said before anything is stored: no scheduler, not an address, Dask not
  installed, a worker without jixiao, a worker that does not see the input folder; each an
  ``error:`` with the address and a hint, exit code 2;
- the workers that join are checked to run this machine's code, and tasks run in their processes.
"""
from __future__ import annotations

import os
import re
import shutil
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
SEED_PROJECTS = 8          # the seed's eight 2020 projects of 上海市计量测试技术研究院
DAMAGED = "损坏的申报表.xlsx"


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


# ---- the same graph as in one process ----------------------------------------------------------

@pytest.fixture(scope="module")
def batch(tmp_path_factory) -> tuple[Path, dict[str, int]]:
    """A folder: the seed, every template fixture in one rendering (each fixture the next of its
    formats, so every reader runs on a worker), and a download cut short. With the number of
    records each good file holds, from the seed and the fixtures' hand-written EXPECTED."""
    from render import render
    from render.spec import load_spec, spec_names

    folder = tmp_path_factory.mktemp("batch") / "收到的表格"
    folder.mkdir()
    shutil.copy(SEED, folder)
    records = {SEED.name: SEED_PROJECTS}
    for i, name in enumerate(spec_names()):
        spec = load_spec(name)
        path = render(spec, spec.formats[i % len(spec.formats)], folder)
        records[path.name] = len(spec.expected)
    workbook = next(p for p in sorted(folder.iterdir()) if p.suffix == ".xlsx")
    (folder / DAMAGED).write_bytes(workbook.read_bytes()[:3000])      # half a zip
    return folder, records


def _snapshot(data_dir: Path) -> tuple[list[str], dict, list]:
    """Every quad (sorted N-Quads; the review run's start time blanked), every document's entry
    (its ingest time left out) and every project record of a data directory."""
    kb = KnowledgeBase.open(data_dir)
    try:
        quads = sorted(re.sub(r'"[^"]+"(\^\^<http://www.w3.org/2001/XMLSchema#dateTime>)', r'"…"\1', q)
                       if "prov#startedAtTime" in q else q for q in kb.export_graph("nq").decode().splitlines())
        documents = {d: {k: v for k, v in info.items() if k != "ingested"} for d, info in kb.records.documents().items()}
        return quads, documents, kb.projects()
    finally:
        kb.close()


@pytest.fixture(scope="module")
def reference(batch, tmp_path_factory):
    """The batch ingested in this process, one file after another (``executor=False``: no pool)."""
    data_dir = tmp_path_factory.mktemp("reference")
    kb = KnowledgeBase.open(data_dir)
    report = kb.ingest([batch[0]], executor=False)
    kb.close()
    return report, _snapshot(data_dir)


def _prepared_on(cluster) -> int:
    """How many files the cluster's workers have prepared so far (tasks of ``prepare_file`` done)."""
    prefix = cluster.scheduler.task_prefixes.get("prepare_file")
    return prefix.state_counts["memory"] if prefix is not None else 0


def _check_report(report, batch) -> None:
    folder, records = batch
    by_name = {Path(f.path).name: f for f in report.files}
    assert sorted(by_name) == sorted([*records, DAMAGED])
    for name, n in records.items():
        f = by_name[name]
        assert f.errors == [] and f.projects + f.departments == n, (name, [str(e) for e in f.errors])
    [error] = by_name[DAMAGED].errors
    assert error.file == str(folder / DAMAGED) and "not a readable .xlsx" in error.message and error.hint
    assert report.projects == SEED_PROJECTS + 24 and report.departments == 2     # 26 fixture records


@pytest.mark.slow
def test_kb_ingest_on_two_workers_gives_the_same_graph(cluster, batch, reference, tmp_path):
    ref_report, ref_snapshot = reference
    _check_report(ref_report, batch)
    kb = KnowledgeBase.open(tmp_path / "kb")
    before = _prepared_on(cluster)
    with cluster_executor(cluster.scheduler_address, inputs=[batch[0]]) as executor:
        report = kb.ingest([batch[0]], executor=executor)
    kb.close()
    assert _prepared_on(cluster) - before == len(batch[1]) + 1      # every file, the damaged one too, on a worker
    _check_report(report, batch)
    assert report.summary() == ref_report.summary()
    assert [str(e) for e in report.errors] == [str(e) for e in ref_report.errors]
    quads, documents, projects = _snapshot(tmp_path / "kb")
    assert len(quads) == len(ref_snapshot[0]) and quads == ref_snapshot[0]
    assert documents == ref_snapshot[1] and len(documents) == len(batch[1])
    assert projects == ref_snapshot[2]


@pytest.mark.slow
def test_the_cli_on_two_workers_gives_the_same_graph(cluster, batch, reference, tmp_path):
    ref_report, ref_snapshot = reference
    before = _prepared_on(cluster)
    r = CliRunner().invoke(cli, ["ingest", "-q", "--cluster", cluster.scheduler_address,
                                 "--data-dir", str(tmp_path / "kb"), str(batch[0])], obj={})
    assert r.exit_code == 1, r.output                     # one file failed, the others are stored
    assert _prepared_on(cluster) - before == len(batch[1]) + 1
    assert f"error: {batch[0] / DAMAGED}: not a readable .xlsx" in r.output
    assert ref_report.summary() in r.output and "Traceback" not in r.output
    assert _snapshot(tmp_path / "kb") == ref_snapshot


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


# A worker started from a Python that does not see this checkout of jixiao (its editable finder and
# the repo taken off the path), with the same Dask: what a machine without `pip install jixiao` is.
# With a folder given, it imports jixiao from there instead: another machine's install.
_WORKER = """
import sys
sys.meta_path[:] = [f for f in sys.meta_path if "__editable__" not in (getattr(f, "__module__", "") or "")
                    and "__editable__" not in type(f).__module__]
sys.path[:] = [p for p in sys.path if p not in ("", ".", {root!r})]
try:
    import ingest
    sys.exit("jixiao is still importable from " + ingest.__file__)
except ImportError:
    pass
if len(sys.argv) > 2:
    sys.path.insert(0, sys.argv[2])
from distributed.cli.dask_worker import main
sys.argv = ["dask-worker", "--no-nanny", "--nthreads", "1", sys.argv[1]]
main()
"""


def _refused(tmp_path: Path, *install: Path) -> str:
    """What connecting to a scheduler whose one worker runs :data:`_WORKER` raises."""
    script = tmp_path / "worker.py"
    script.write_text(_WORKER.format(root=str(ROOT)))
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    with distributed.LocalCluster(n_workers=0, host="127.0.0.1", dashboard_address="127.0.0.1:0") as scheduler:
        worker = subprocess.Popen([sys.executable, str(script), scheduler.scheduler_address, *map(str, install)],
                                  cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        try:
            with pytest.raises(ClusterError) as e:
                with cluster_executor(scheduler.scheduler_address, timeout=60):
                    pytest.fail("the executor was handed out")
        finally:
            worker.terminate()
            _, err = worker.communicate(timeout=30)
    assert "jixiao is still importable" not in err
    message = str(e.value)
    assert message.startswith(f"{scheduler.scheduler_address}: 1 of 1 workers ")
    return message


def test_a_worker_without_jixiao_is_named_before_anything_is_submitted(tmp_path):
    message = _refused(tmp_path)
    assert " 1 of 1 workers cannot import jixiao (tcp://127.0.0.1:" in message
    assert "No module named 'ingest'" in message
    assert "hint: install the same jixiao on every worker" in message


def test_a_worker_with_other_vocabulary_is_refused_naming_the_file(tmp_path):
    """A worker whose jixiao is this one with one more authority in its table (another version):
    its graph would resolve other issuers, so it is refused, and the file that differs is named."""
    install = tmp_path / "site"
    for package in ("ingest", "ontology"):
        shutil.copytree(ROOT / package, install / package, ignore=shutil.ignore_patterns("__pycache__"))
    table = install / "ingest" / "legal" / "tables" / "authorities.tsv"
    table.write_text(table.read_text("utf-8") + "某县测试局\t县级\n", "utf-8")
    message = _refused(tmp_path, install)
    assert " 1 of 1 workers run other jixiao code than this machine (tcp://127.0.0.1:" in message
    # the files that differ: the table (and any file edited in this checkout since the copy was made)
    differ = re.search(r"\(tcp://[\d.:]+: (.+) differ\): their graph would differ", message)
    assert differ and "ingest/legal/tables/authorities.tsv" in differ.group(1).split(", "), message
    assert "hint: install the same jixiao version on every worker" in message


def test_a_worker_that_does_not_see_the_input_folder_is_named(tmp_path):
    """A worker in a mount namespace of its own, with an empty file system over the input folder:
    what a worker on another machine without the shared folder sees."""
    folder = tmp_path / "tables"
    folder.mkdir()
    shutil.copy(SEED, folder)
    probe = subprocess.run(["unshare", "--mount", "--propagation", "private", "true"], capture_output=True)
    if shutil.which("unshare") is None or probe.returncode != 0:
        pytest.skip("needs unshare --mount (root): " + probe.stderr.decode(errors="replace").strip())
    with distributed.LocalCluster(n_workers=0, host="127.0.0.1", dashboard_address="127.0.0.1:0") as scheduler:
        worker = subprocess.Popen(
            ["unshare", "--mount", "--propagation", "private", "sh", "-c",
             f'mount -t tmpfs none "$1" && exec "$2" -m distributed.cli.dask_worker --no-nanny --nthreads 1 "$3"',
             "sh", str(folder), sys.executable, scheduler.scheduler_address],
            cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            r = CliRunner().invoke(cli, ["ingest", "-q", "--cluster", scheduler.scheduler_address,
                                         "--data-dir", str(tmp_path / "kb"), str(folder)], obj={})
        finally:
            worker.terminate()
            worker.wait(timeout=30)
    assert r.exit_code == 2, r.output
    assert (f"error: {scheduler.scheduler_address}: 1 of 1 workers do not see {folder / SEED.name} (tcp://127.0.0.1:"
            in r.output), r.output
    assert "hint: put the folder on a file system every worker mounts at the same path" in r.output
    assert _stored(tmp_path / "kb") == {}


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
