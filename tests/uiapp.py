"""The UI under ``AppTest``, shared by the headless page tests (``tests/test_ui.py``,
``tests/test_ui_review.py``): the session's ingested seed shown to the UI, and one page run as
a link with its query string would run it.

Example: ``at = run("search", q="能耗在线监测")`` with the ``data_dir`` fixture imported.
"""
from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from app.ui import common, main_script

TIMEOUT = 120  # the first run loads the encoder; later runs take well under a second


@pytest.fixture(scope="module")
def data_dir(kb):
    """The session's ingested seed, shown by the UI (which opens the store itself: ``kb`` lets go of it)."""
    kb.close()
    mp = pytest.MonkeyPatch()
    mp.setenv("JIXIAO_DATA_DIR", str(kb.data_dir))
    yield kb.data_dir
    common.reload_knowledge_base()
    mp.undo()


def run(page: str, **params: str) -> AppTest:
    """Open ``page`` (``search``, ``sparql`` …) as a link with ``params`` in its query string would."""
    at = AppTest.from_file(str(main_script()), default_timeout=TIMEOUT)
    at.switch_page(f"views/{page}.py")
    at.query_params.update(params)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at
