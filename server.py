"""The web process: Streamlit pages (app.py) plus the hub's HTTP routes. Serve with `uvicorn server:app`."""

from __future__ import annotations

import logging

from streamlit.starlette import App

from web.routes import ROUTES
from web.ui.exceptions import report_page_error

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
for noisy in ("alembic", "uvicorn.access"):
    logging.getLogger(noisy).setLevel(logging.WARNING)

app = App("app.py", routes=ROUTES, on_script_error=report_page_error)
