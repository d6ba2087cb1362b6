"""Is the hub well: the overview dashboard, the diagnostics download and the sidecar's heartbeat."""
