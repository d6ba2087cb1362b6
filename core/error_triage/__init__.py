"""The Sync errors page: errors filtered, grouped and paged, one error in full, and retry, resolve and retry-all."""
