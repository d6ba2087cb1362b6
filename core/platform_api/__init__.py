"""The platform's entry points: its API keys, the events it sends (each recorded with its outbox entry at once),
the checks on what it sends, and the contacts feed it reads."""
