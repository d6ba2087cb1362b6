"""Streamlit widgets shared by app.py and the pages: identity, page chrome, error display."""
