"""Batch ingest on a Dask distributed cluster: the executor behind ``jixiao ingest --cluster ADDRESS``.

:func:`cluster_executor` connects to a Dask scheduler (or starts a local cluster) and yields a
``concurrent.futures.Executor`` whose tasks run on the cluster's workers. ``ingest.pipeline`` hands it
the per-file work (read, parse, build the quads); the one writer stays in this process, so the data
directory and the graph store never leave this machine. What a worker needs:

- **the same jixiao install**, the ``cluster`` extra included (``pip install 'jixiao[cluster]'``):
  tasks name their function by module, so a worker must import it, and a worker running other parser
  code would build another graph. Both are checked on connecting (:func:`code_manifest`): a worker
  that cannot import jixiao, or runs other code (the files that differ are named), is an error
  before anything is submitted;
- **the input files, by the same path**: a worker reads the file it is given by path, so the
  folder must be visible to every worker (a shared or synchronised file system, mounted at the same
  place). Paths are made absolute in this process before they are handed over, so a worker's own
  working directory does not matter. The inputs named are checked on every worker on connecting
  (:func:`check_inputs`): one error for a worker that does not see them, not one per file. On one
  machine that is always so: ``--cluster local:N``. (Reading here and sending the bytes would spare
  the shared folder but push every file through this machine's network link and the scheduler;
  a cluster that ingests a national corpus has the corpus on shared storage anyway.)

Addresses: ``tcp://HOST:PORT`` (or ``HOST:PORT``) of a running scheduler (``dask scheduler`` and
``dask worker tcp://HOST:8786`` on each machine), or ``local:N`` for a cluster of N worker processes
started here and stopped afterwards (``local`` alone: one per core).

Example: ``with cluster_executor("tcp://10.0.0.5:8786") as ex: kb.ingest(paths, executor=ex)``
"""
from __future__ import annotations

import hashlib
import os
import re
import sys
from concurrent.futures import Executor
from contextlib import contextmanager
from pathlib import Path
from typing import Iterable, Iterator

from ingest.errors import JixiaoError

CONNECT_TIMEOUT = 5.0      # seconds to reach the scheduler, and to see a first worker
INSTALL_HINT = "pip install 'jixiao[cluster]' (here and on every worker)"
_LOCAL = re.compile(r"local(?::(\d+))?$")
# what a worker runs for an ingest: the readers, parsers and graph builder, their vocabulary and the ontology
_CODE_SUFFIXES = (".py", ".tsv", ".toml", ".ttl", ".rq")


class ClusterError(JixiaoError):
    """The cluster cannot be used: Dask is not installed, the scheduler cannot be reached, or a
    worker cannot run jixiao's tasks. ``file`` is the scheduler's address.

    Example:
        >>> print(ClusterError("no scheduler answered", file="tcp://10.0.0.5:8786", hint="start it"))
        tcp://10.0.0.5:8786: no scheduler answered
          hint: start it
    """


def local_workers(address: str) -> int | None:
    """How many worker processes ``local:N`` asks for (``local``: one per core); None for a scheduler address.

    Example: ``local_workers("local:2")`` → ``2``; ``local_workers("tcp://127.0.0.1:8786")`` → ``None``
    """
    m = _LOCAL.match(address.strip())
    if m is None:
        return None
    if m.group(1) is None:
        return os.cpu_count() or 1
    n = int(m.group(1))
    if n < 1:
        raise ClusterError("a local cluster needs at least one worker", file=address,
                           hint="--cluster local:2 starts two worker processes on this machine")
    return n


@contextmanager
def cluster_executor(address: str, timeout: float = CONNECT_TIMEOUT,
                     inputs: Iterable[str | Path] = ()) -> Iterator[Executor]:
    """An Executor over the Dask cluster at ``address`` (or a local one, ``local:N``), checked and
    closed afterwards: the client always, a local cluster too. ``inputs`` (the files and folders to
    ingest) must be visible to every worker. Raises :class:`ClusterError`.

    Example: ``with cluster_executor("local:2") as ex: list(ex.map(len, ["ab", "c"]))`` → ``[2, 1]``
    """
    distributed = _import_distributed(address)
    n = local_workers(address)
    cluster = None
    if n is not None:
        try:
            # processes, one thread each: the parse is pure Python, threads would share one GIL;
            # loopback only, and the status page on any free port (two clusters must not collide)
            cluster = distributed.LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                                               host="127.0.0.1", dashboard_address="127.0.0.1:0")
            client = distributed.Client(cluster, timeout=timeout)
        except Exception as e:  # noqa: BLE001 - whatever stopped the processes, said once, without a traceback
            if cluster is not None:
                cluster.close()
            raise ClusterError(f"a local cluster of {n} workers could not be started: {type(e).__name__}: {e}",
                               file=address, hint="try fewer workers, or ingest without --cluster") from None
    else:
        client = _connect(distributed, address, timeout)
    try:
        check_workers(client, address, timeout)
        check_inputs(client, address, inputs)
        # pure=False: a task is not deduplicated by its arguments; the file behind a path may have changed
        yield client.get_executor(pure=False)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _import_distributed(address: str):
    try:
        import distributed
    except ImportError:
        raise ClusterError("--cluster runs the ingest on Dask distributed, which is not installed",
                           file=address, hint=INSTALL_HINT) from None
    return distributed


def _connect(distributed, address: str, timeout: float):
    try:
        return distributed.Client(address, timeout=timeout)
    except ValueError as e:        # an address Dask cannot parse: unknown scheme, no port…
        raise ClusterError(f"not a Dask scheduler address ({e})", file=address,
                           hint="give tcp://HOST:PORT of a running scheduler (`dask scheduler` prints it; "
                                "the port is 8786 by default), or local:2 for two workers on this machine") from None
    except (OSError, TimeoutError) as e:
        raise ClusterError(f"no Dask scheduler answered within {timeout:g} s ({e})", file=address,
                           hint="start one with `dask scheduler` and `dask worker ADDRESS` on each machine, "
                                "check the host, port and firewall; or --cluster local:2 on this machine") from None


def check_workers(client, address: str, timeout: float = CONNECT_TIMEOUT) -> dict[str, str]:
    """Wait for a first worker, then ask every worker for its :func:`code_manifest`; a worker
    that cannot import jixiao or runs other code (the files that differ are named) is a
    :class:`ClusterError`. Returns worker → :func:`code_fingerprint`.

    Example: ``check_workers(client, "tcp://127.0.0.1:8786")`` → ``{"tcp://127.0.0.1:40123": "3f2a…", …}``
    """
    try:
        client.wait_for_workers(1, timeout=timeout)
    except (TimeoutError, OSError):
        raise ClusterError(f"the scheduler has no workers (none joined within {timeout:g} s)", file=address,
                           hint=f"start workers with `dask worker {address}` on each machine") from None
    try:
        # sent by name: a worker without jixiao fails to unpickle it, and says so in its answer
        found = client.run(code_manifest, on_error="return")
    except Exception as e:  # noqa: BLE001 - the scheduler itself failed: one line, no traceback
        raise ClusterError(f"the workers could not be checked ({type(e).__name__}: {e})", file=address,
                           hint=f"install the same jixiao on every worker: {INSTALL_HINT}") from None
    failed = {w: r for w, r in sorted(found.items()) if isinstance(r, BaseException)}
    if failed:
        w, r = next(iter(failed.items()))
        cannot = "cannot import jixiao" if "No module named" in str(r) or isinstance(r, ImportError) \
            else "cannot run jixiao's check"
        raise ClusterError(f"{len(failed)} of {len(found)} workers {cannot} ({w}: {_one_line(r)})", file=address,
                           hint=f"install the same jixiao on every worker and restart them: {INSTALL_HINT}")
    ours = code_manifest()
    other = sorted(w for w, m in found.items() if m != ours)
    if other:
        theirs = found[other[0]]
        differ = sorted(k for k in set(ours) | set(theirs) if ours.get(k) != theirs.get(k))
        raise ClusterError(f"{len(other)} of {len(found)} workers run other jixiao code than this machine "
                           f"({', '.join(other[:3])}{' …' if len(other) > 3 else ''}: {', '.join(differ[:3])}"
                           f"{f' and {len(differ) - 3} more' if len(differ) > 3 else ''} differ): "
                           "their graph would differ",
                           file=address, hint="install the same jixiao version on every worker and restart them")
    return {w: _fingerprint(m) for w, m in found.items()}


def check_inputs(client, address: str, inputs: Iterable[str | Path]) -> None:
    """Every worker sees each of ``inputs`` (that exists here; of a folder, a file in it) at the
    same absolute path, or a :class:`ClusterError` names the first one missing and the workers that miss it.

    Example: ``check_inputs(client, "tcp://10.0.0.5:8786", ["/shared/tables"])``
    """
    # a file of each folder, not the folder alone: an unmounted share leaves its empty mount point
    wanted = sorted({_probe_file(os.path.abspath(p)) for p in inputs if os.path.exists(p)})
    if not wanted:
        return
    try:
        found = client.run(missing_paths, wanted)
    except Exception as e:  # noqa: BLE001 - one line, no traceback
        raise ClusterError(f"the workers could not be asked for the input files ({_one_line(e)})", file=address,
                           hint="check the workers' logs, or ingest without --cluster") from None
    blind = sorted(w for w, missing in found.items() if missing)
    if blind:
        first = found[blind[0]][0]
        raise ClusterError(f"{len(blind)} of {len(found)} workers do not see {first} "
                           f"({', '.join(blind[:3])}{' …' if len(blind) > 3 else ''}): they read the files by path",
                           file=address, hint="put the folder on a file system every worker mounts at the same path "
                                              "(NFS, a synchronised folder), or ingest on this machine: --cluster local:2")


def _probe_file(path: str) -> str:
    """``path`` itself, or for a folder the first file found in it (the folder when it holds none)."""
    for root, dirs, files in os.walk(path):
        dirs.sort()
        if files:
            return os.path.join(root, min(files))
    return path


def missing_paths(paths: list[str]) -> list[str]:
    """Those of ``paths`` that this process cannot see (run on each worker by :func:`check_inputs`).

    Example: ``missing_paths(["/", "/no/such/folder"])`` → ``['/no/such/folder']``
    """
    return [p for p in paths if not os.path.exists(p)]


def _one_line(e: BaseException) -> str:
    text = str(e).strip().splitlines()[0][:200] if str(e).strip() else ""
    if type(e) is Exception and text:     # a worker's error as the scheduler passes it on: its repr
        return text
    return f"{type(e).__name__}: {text}" if text else type(e).__name__


def code_manifest() -> dict[str, str]:
    """Each file of the code and vocabulary an ingest worker runs (the ``ingest`` and ``ontology``
    packages, their tables included) → a hash of its bytes, and ``python`` → the Python version:
    equal on two machines when they build the same graph from the same file. Read from disk on
    every call (50–100 ms): a cached one would not tell a worker started after an upgrade.

    Example: ``code_manifest()["ingest/parse/document.py"]`` → ``'5b0c…'`` (16 hex digits)
    """
    import ingest
    import ontology

    out = {"python": f"{sys.version_info.major}.{sys.version_info.minor}"}
    for package in (ingest, ontology):
        root = Path(package.__file__).resolve().parent
        for f in sorted(p for p in root.rglob("*") if p.suffix in _CODE_SUFFIXES and "__pycache__" not in p.parts):
            out[f.relative_to(root.parent).as_posix()] = hashlib.sha256(f.read_bytes()).hexdigest()[:16]
    return out


def code_fingerprint() -> str:
    """One hash of :func:`code_manifest`.

    Example: ``code_fingerprint()`` → ``'py3.11:5b0c…'``
    """
    return _fingerprint(code_manifest())


def _fingerprint(manifest: dict[str, str]) -> str:
    digest = hashlib.sha256("\n".join(f"{k} {v}" for k, v in sorted(manifest.items())).encode()).hexdigest()
    return f"py{manifest.get('python', '?')}:{digest[:16]}"
