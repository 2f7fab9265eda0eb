"""The Streamlit UI: ``Home.py`` (the navigation) and the pages in ``views/`` (问答 Ask, 搜索 Search,
SPARQL, 追溯 Trace, 项目 Projects, 数据 Data …), each at a short address whose query string holds
its view (``links.UrlState``).

Every page parses its input, calls one ``KnowledgeBase`` method (``common.knowledge_base()``)
and renders the result. The data directory reaches the pages through the environment
variable ``JIXIAO_DATA_DIR``, the same setting the CLI reads: Streamlit hands a script
no arguments of its own under ``AppTest``, while the environment works for
``streamlit run``, ``jixiao ui`` and the tests alike (``JIXIAO_ENDPOINT`` and
``JIXIAO_ENCODER`` come along the same way).

Example: ``run_ui("var", 8501)`` serves http://localhost:8501 (it replaces the current process)
"""
from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import NoReturn


def main_script() -> Path:
    """The entry script to give ``streamlit run``. Example: ``main_script().name`` → ``"Home.py"``"""
    return Path(__file__).resolve().parent / "Home.py"


def ui_command(data_dir: str | os.PathLike | None = None, port: int = 8501,
               endpoint: str | None = None) -> tuple[list[str], dict[str, str]]:
    """The command line and environment that serve the UI on ``port`` for ``data_dir``.

    ``data_dir`` None keeps the configured one (``JIXIAO_DATA_DIR``, ``jixiao.toml``, ``./var``);
    ``endpoint`` (a SPARQL endpoint URL) reaches the pages as ``JIXIAO_ENDPOINT``.
    Example: ``cmd, env = ui_command("var", 8502)``; ``subprocess.Popen(cmd, env=env)``
    """
    cmd = [sys.executable, "-m", "streamlit", "run", str(main_script()),
           "--server.headless", "true", "--server.port", str(port),
           "--browser.gatherUsageStats", "false"]
    env = dict(os.environ)
    if data_dir is not None:
        # absolute, so the server reads the same directory whatever its working directory
        env["JIXIAO_DATA_DIR"] = str(Path(data_dir).expanduser().resolve())
    if endpoint:
        env["JIXIAO_ENDPOINT"] = endpoint
    return cmd, env


def run_ui(data_dir: str | os.PathLike | None = None, port: int = 8501, endpoint: str | None = None) -> NoReturn:
    """Become the Streamlit server (exec), so Ctrl-C and a supervisor's signals reach it directly.

    Open nothing in the data directory before calling this: the UI process must be the
    one that holds the graph store's lock.
    """
    cmd, env = ui_command(data_dir, port, endpoint)
    print(f"jixiao UI: http://localhost:{port}  (data {env.get('JIXIAO_DATA_DIR', 'default')})",
          file=sys.stderr, flush=True)
    os.execve(cmd[0], cmd, env)
