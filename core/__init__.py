"""The hub's domain: importable without Streamlit, Starlette or APScheduler."""

import warnings

# Authlib 1.9 points at a successor of httpx; the hub stays on httpx on purpose (see README).
warnings.filterwarnings("ignore", message=".*httpx2.*")
