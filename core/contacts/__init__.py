"""Contacts and suppliers: the pull from Xero (initial import, polls, webhooks, reconcile), the supplier push to
Xero, the import policy, the reviews and proposals a person works through, and the page's list."""
