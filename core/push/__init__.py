"""The one push executor every push to Xero runs through (claiming per organisation, hold or discard, the outcome
ladder, the sync run) and the tally of a turn; contacts, documents and payments supply what differs."""
