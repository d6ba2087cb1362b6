"""Invoices, bills and credit notes to Xero: the pre-flight check, gathering, planning, pushing and settling; the
status and balances coming back; the Documents page's list and actions."""
