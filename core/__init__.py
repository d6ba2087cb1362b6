"""The hub's domain: importable without Streamlit, Starlette or APScheduler."""
