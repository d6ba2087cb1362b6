"""The demo's "Xero screens" under /screens/: server-rendered HTML standing in for Xero's own screens."""
