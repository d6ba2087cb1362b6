"""Platform payments exported to Xero against the documents they pay."""
