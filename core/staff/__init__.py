"""The hub's own people: staff users, passwords, sign-in with its lockout, and sessions."""
