"""Every HTTP route the web process serves beside the Streamlit pages."""

from __future__ import annotations

from web import api_routes, auth_routes, health, metrics, webhook_routes, xero_routes

ROUTES = [
    *auth_routes.ROUTES,
    *health.ROUTES,
    *metrics.ROUTES,
    *api_routes.ROUTES,
    *xero_routes.ROUTES,
    *webhook_routes.ROUTES,
]
