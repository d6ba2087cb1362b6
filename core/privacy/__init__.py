"""Retention of personal data, and erasure: a contact erased at its owner's request, a company offboarded."""
