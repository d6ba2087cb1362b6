"""Xero's Accounting API paths, one module per group of resources, and what every call shares (base)."""
