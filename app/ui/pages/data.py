"""数据 Data (being built)."""
import streamlit as st

from app.ui import common as ui

ui.page("数据 Data", "🗂️")
st.info("数据页正在建设中。The Data page is being built.")
