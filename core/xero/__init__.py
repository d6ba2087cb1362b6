"""The Xero boundary: OAuth, the HTTP client, and what every Xero answer means for what happens next."""
