"""The entry script: the pages of the app and their addresses (``/search?q=…``, ``/sparql?sparql=…``).

Every page is a file in ``views/`` (not ``pages/``, which Streamlit would also list by itself);
``st.navigation`` gives each one a short ASCII address, so a
link to a view reads ``http://host:8501/projects?project=…``.

Run: ``jixiao ui`` or ``JIXIAO_DATA_DIR=var streamlit run app/ui/Home.py``
"""
import streamlit as st

PAGES = [  # (file, title, icon, address)
    ("views/home.py", "首页 Home", ":material/home:", "home"),
    ("views/ask.py", "问答 Ask", ":material/forum:", "ask"),
    ("views/search.py", "搜索 Search", ":material/search:", "search"),
    ("views/sparql.py", "SPARQL", ":material/hub:", "sparql"),
    ("views/trace.py", "追溯 Trace", ":material/account_tree:", "trace"),
    ("views/review.py", "审核 Review", ":material/fact_check:", "review"),
    ("views/projects.py", "项目 Projects", ":material/folder_open:", "projects"),
    ("views/data.py", "数据 Data", ":material/database:", "data"),
]

st.set_page_config(page_title="绩效图谱 jixiao", page_icon=":material/hub:", layout="wide")
# A bug that escapes a page shows a one-line notice, never a traceback with server paths
# (the traceback goes to the server log); the pages show domain errors themselves (common.call).
st.set_option("client.showErrorDetails", "none")
# the search index, encoder and ask engine load in the background, not in the first request
from app.ui.common import warm_up  # noqa: E402

warm_up()
navigation = st.navigation([st.Page(path, title=title, icon=icon, url_path=address, default=(address == "home"))
                            for path, title, icon, address in PAGES])
navigation.run()
