"""问答 Ask (being built)."""
import streamlit as st

from app.ui import common as ui

ui.page("问答 Ask", "💬")
st.info("问答页正在建设中。The Ask page is being built.")
