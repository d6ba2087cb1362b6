"""The hub's own people: staff users, passwords, sign-in and its throttling, single sign-on, and sessions."""
