"""What every push to Xero shares: the tally of one tick and when a Xero blip becomes a sync error."""
