"""Cells written to CSV/XLSX for people to open: neutralised against formula injection (OWASP).

A cell that starts with ``=`` ``+`` ``-`` ``@``, tab, CR or LF is prefixed with a single quote,
so a spreadsheet shows it as text instead of evaluating it.
"""

from __future__ import annotations

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")


def safe_cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text
