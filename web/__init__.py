"""The web process: HTTP routes and the Streamlit pages' shared widgets. Thin: everything real is in core."""
