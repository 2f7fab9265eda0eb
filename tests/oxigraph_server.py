"""A real Oxigraph SPARQL server for tests, on a free loopback port.

The ``oxigraph`` PyPI package puts the server binary next to the venv's Python.
The server is started exactly as a user would start one::

    oxigraph serve --location DIR --bind 127.0.0.1:PORT

Use the ``oxigraph_server`` fixture (session-scoped: one server for the run),
or ``OxigraphServer`` as a context manager.

Example: ``with OxigraphServer(tmp_path) as server: RemoteStore(server.url)``
"""
from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest


def oxigraph_binary() -> str | None:
    """The ``oxigraph`` server binary of this venv, else the one on PATH."""
    beside = Path(sys.executable).with_name("oxigraph")
    return str(beside) if beside.exists() else shutil.which("oxigraph")


def free_port() -> int:
    """A loopback TCP port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class OxigraphServer:
    """One ``oxigraph serve`` process; started by ``start()``, stopped by ``stop()``."""

    def __init__(self, location: str | Path, *, union_default_graph: bool = False,
                 binary: str | None = None, startup_timeout: float = 30.0):
        self.location = Path(location)
        self.union_default_graph = union_default_graph
        self.binary = binary or oxigraph_binary()
        self.startup_timeout = startup_timeout
        self.port = 0
        self.process: subprocess.Popen | None = None
        self.log_path = self.location.with_name(self.location.name + ".log")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        cmd = [self.binary or "oxigraph", "serve", "--location", str(self.location),
               "--bind", f"127.0.0.1:{self.port}"]
        return cmd + (["--union-default-graph"] if self.union_default_graph else [])

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def start(self) -> "OxigraphServer":
        if not self.binary:
            raise RuntimeError("the oxigraph server binary is not installed: pip install 'oxigraph>=0.5,<0.6'")
        self.location.mkdir(parents=True, exist_ok=True)
        for _attempt in range(3):  # another process may grab the free port before the server does
            self.port = free_port()
            with open(self.log_path, "wb") as log:
                self.process = subprocess.Popen(self.command(), stdout=log, stderr=subprocess.STDOUT,
                                                stdin=subprocess.DEVNULL)
            if self._wait_ready():
                return self
            self.stop()
            if "in use" not in self.log().lower():
                break
        raise RuntimeError(f"oxigraph did not start: {' '.join(self.command())}\n{self.log()[-2000:]}")

    def _wait_ready(self) -> bool:
        """Poll ``ASK {}`` until the server answers, it exits, or the timeout passes."""
        deadline = time.monotonic() + self.startup_timeout
        probe = f"{self.url}/query?query=ASK%7B%7D"
        while time.monotonic() < deadline:
            if self.process is None or self.process.poll() is not None:
                return False
            try:
                with urllib.request.urlopen(probe, timeout=1) as r:
                    if r.status == 200:
                        return True
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.05)
        return False

    def stop(self) -> None:
        """Terminate the process this object started (SIGTERM, then SIGKILL after 10 s)."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.process = None

    def __enter__(self) -> "OxigraphServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


@pytest.fixture(scope="session")
def oxigraph_server(tmp_path_factory):
    """A running Oxigraph server shared by the whole test session (jixiao keeps its default graph)."""
    server = OxigraphServer(tmp_path_factory.mktemp("oxigraph") / "db")
    try:
        server.start()
    except RuntimeError as e:
        pytest.fail(str(e), pytrace=False)
    yield server
    server.stop()
