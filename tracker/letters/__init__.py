"""Printable letters with the computed dates and their legal basis (print view and PDF)."""
