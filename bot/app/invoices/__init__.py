"""Adapters to the invoice system the assistant checks invoices in."""
