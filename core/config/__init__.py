"""Configuration pieces that need nothing else from the hub: secret values, and where the hub's Xero is."""
