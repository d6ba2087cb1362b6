"""The stakeholder demo's data: the companies, staff and platform records it signs in with."""
