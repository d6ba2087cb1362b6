"""Alert emails: alerts raised in the caller's transaction, one digest per company per window, SMTP, and the email
outbox staff see."""
