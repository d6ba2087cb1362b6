"""The Xero simulator: a local, faithful stand-in for Xero's identity and accounting APIs."""
