"""The real UI in a real browser: a Streamlit server on a free loopback port, driven by headless
Chromium from Debian (``apt-get install chromium chromium-driver fonts-wqy-zenhei``) with selenium.

``UiServer`` starts ``jixiao``'s own UI command (``app.ui.ui_command``) for a data directory;
``chromium()`` opens a fresh browser profile with the flags a container needs; ``Page`` waits for
what a person would wait for (text in the main area), measures how long that took, and saves
screenshots. The browser test (``tests/test_browser.py``) and the UI benchmark
(``bench/bench_ui.py``) share them.

Example: ``with UiServer(data_dir) as server, chromium() as driver: Page(driver, server).open("search", q="能耗")``
"""
from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Iterator
from urllib.parse import urlencode

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
         "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--window-size=1440,1000", "--lang=zh-CN")


def browser_available() -> bool:
    return Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class UiServer:
    """``streamlit run app/ui/Home.py`` for ``data_dir`` on a free port, until ``stop()``."""

    def __init__(self, data_dir: str | Path, startup_timeout: float = 90.0):
        self.data_dir = Path(data_dir)
        self.port = free_port()
        self.startup_timeout = startup_timeout
        self.process: subprocess.Popen | None = None
        self.log = self.data_dir.with_name(self.data_dir.name + "-ui.log")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "UiServer":
        from app.ui import ui_command

        cmd, env = ui_command(self.data_dir, self.port)
        cmd += ["--server.address", "127.0.0.1", "--server.fileWatcherType", "none"]
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the UI exited with {self.process.returncode}: {self.log.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        return self
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"the UI did not answer within {self.startup_timeout} s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def __enter__(self) -> "UiServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


@contextlib.contextmanager
def chromium() -> Iterator["webdriver.Chrome"]:  # noqa: F821
    """Headless Chromium with a fresh profile (removed afterwards)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="jixiao-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS + (f"--user-data-dir={profile}",):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


class Page:
    """One browser tab on the UI: open a page, wait for its main content, read it, screenshot it."""

    def __init__(self, driver, server: UiServer, shots: Path | None = None):
        self.driver = driver
        self.server = server
        self.shots = shots
        self.timings: dict[str, float] = {}

    def url(self, page: str, **params: str) -> str:
        query = urlencode(params)
        return f"{self.server.url}/{page}" + (f"?{query}" if query else "")

    def open(self, page: str, *, wait_for: str, timeout: float = 60, **params: str) -> float:
        """Load ``page`` with ``params``; return the seconds from the start of the navigation until
        ``wait_for`` was in the page, as the page itself saw it (a MutationObserver installed before
        the page's own scripts, so the test's polling does not add to the figure)."""
        marker = self.driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": """
            window.__jxSeen = null;
            new MutationObserver((_, obs) => {
              if (window.__jxSeen === null && document.body && document.body.textContent.includes(%s)) {
                window.__jxSeen = performance.now(); obs.disconnect();
              }
            }).observe(document, {childList: true, subtree: true, characterData: true});
        """ % json.dumps(wait_for)})
        start = time.monotonic()
        try:
            self.driver.get(self.url(page, **params))
            self.wait_text(wait_for, timeout)
            seen = self.driver.execute_script("return window.__jxSeen;")
        finally:
            self.driver.execute_cdp_cmd("Page.removeScriptToEvaluateOnNewDocument", marker)
        return seen / 1000 if seen is not None else time.monotonic() - start

    def main_text(self) -> str:
        """What the main area says, as a person reads it (the sidebar and iframes left out)."""
        return self.driver.execute_script(
            "const m = document.querySelector('section.stMain, [data-testid=\"stMain\"]');"
            "return m ? m.innerText : document.body.innerText;")

    def body_text(self) -> str:
        return self.driver.execute_script("return document.body.innerText;")

    def running(self) -> bool:
        """Whether the script is still running (Streamlit's status widget shows)."""
        return bool(self.driver.execute_script(
            "return !!document.querySelector('[data-testid=\"stStatusWidget\"]');"))

    def wait_text(self, text: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.main_text():
                return
            time.sleep(0.05)
        raise AssertionError(f"{text!r} did not show within {timeout} s; the page says:\n{self.main_text()[:3000]}")

    def wait_element(self, css: str, timeout: float = 60, where=lambda e: True):
        """The first element matching ``css`` (and ``where``), once it is there."""
        from selenium.webdriver.common.by import By

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [e for e in self.driver.find_elements(By.CSS_SELECTOR, css) if where(e)]
            if found:
                return found[0]
            time.sleep(0.05)
        raise AssertionError(f"no {css} within {timeout} s; the page says:\n{self.main_text()[:2000]}")

    def wait_idle(self, timeout: float = 60) -> None:
        """Until the script run ends (no "Running…" status) and the page stops changing."""
        deadline = time.monotonic() + timeout
        last, stable = None, 0
        while time.monotonic() < deadline:
            text = self.body_text()
            stable = stable + 1 if text == last and not self.running() else 0
            if stable >= 4:
                return
            last = text
            time.sleep(0.1)

    def screenshot(self, name: str, full: bool = True) -> Path | None:
        """A PNG of the whole page (its scroll height) in ``shots``."""
        if self.shots is None:
            return None
        self.shots.mkdir(parents=True, exist_ok=True)
        path = self.shots / f"{name}.png"
        size = self.driver.get_window_size()
        if full:
            height = self.driver.execute_script(
                "const m = document.querySelector('section.stMain, [data-testid=\"stMain\"]');"
                "return Math.max(document.body.scrollHeight, m ? m.scrollHeight : 0);")
            self.driver.set_window_size(size["width"], min(max(int(height) + 120, 800), 6000))
            time.sleep(0.4)
        self.driver.save_screenshot(str(path))
        if full:
            self.driver.set_window_size(size["width"], size["height"])
        return path


def env_flag(name: str) -> bool:
    return os.environ.get(name, "") not in ("", "0", "false", "no")


# The page tour the browser test and bench/bench_ui.py both take: page → (query parameters,
# the text that says its main content is there).
MAIN = {  # page → (query parameters, the text that says its main content is there)
    "": ({}, "怎么用 How to use"),  # home: the default page lives at / (/home redirects there)
    "ask": ({"q": "2020年信息化建设工程类项目总预算是多少"}, "SPARQL"),
    "search": ({"q": "能耗在线监测"}, "1. 国能中心"),
    "sparql": ({"sparql": "PREFIX jx: <https://w3id.org/jixiao/ontology#>\n"
                          "SELECT ?name ?total WHERE { ?p jx:name ?name ; jx:hasBudget/jx:total ?total }"}, "行 rows ·"),
    "trace": ({"indicator": "能耗数据异常故障修复率"}, "溯源图 Trace diagram"),
    "projects": ({}, "预算图表 Budget charts"),
    "data": ({}, "下载图谱 Download the graph"),
}
