"""How platform records land in a company's books: line category → account, tax rate → tax type, currency →
payment account; the platform's own catalogue, Xero's reference data, CSV files and the watchdog."""
