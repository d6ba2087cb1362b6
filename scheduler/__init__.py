"""The sidecar: APScheduler runs the hub's timed work; every job is a thin call into core."""
