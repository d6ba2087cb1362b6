"""Invoices and credit notes as Xero keeps them: specs, arithmetic, writes, allocations, reads and the demo seed."""
