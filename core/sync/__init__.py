"""The sync's ledger: the outbox of changes waiting for Xero, sync errors and the table of their causes, and sync
runs with their history."""
