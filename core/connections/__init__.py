"""A company's Xero connection from consent to removal: the second pick, disconnect, remove, reconnect, the
clean-ups in Xero, inactivity, noticing access revoked in Xero, and the Connections page's view."""
