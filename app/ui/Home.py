"""The entry script: the pages of the app and their addresses (``/search?q=…``, ``/sparql?sparql=…``).

Every page is a file in ``pages/``; ``st.navigation`` gives each one a short ASCII address, so a
link to a view reads ``http://host:8501/projects?project=…``.

Run: ``jixiao ui`` or ``JIXIAO_DATA_DIR=var streamlit run app/ui/Home.py``
"""
import streamlit as st

PAGES = [  # (file, title, icon, address)
    ("pages/home.py", "首页 Home", "📊", "home"),
    ("pages/ask.py", "问答 Ask", "💬", "ask"),
    ("pages/search.py", "搜索 Search", "🔎", "search"),
    ("pages/sparql.py", "SPARQL", "🕸️", "sparql"),
    ("pages/trace.py", "追溯 Trace", "🧭", "trace"),
    ("pages/projects.py", "项目 Projects", "📁", "projects"),
    ("pages/data.py", "数据 Data", "🗂️", "data"),
]

st.set_page_config(page_title="绩效图谱 jixiao", page_icon="📊", layout="wide")
navigation = st.navigation([st.Page(path, title=title, icon=icon, url_path=address, default=(address == "home"))
                            for path, title, icon, address in PAGES])
navigation.run()
