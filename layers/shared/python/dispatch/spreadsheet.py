"""Cells written to CSV/XLSX for people to open: neutralised against formula injection (OWASP).

A spreadsheet evaluates a cell whose text starts with a formula character (``=cmd|' /C calc'!A0``,
``=HYPERLINK(...)``), so text that came from recipients' files must not reach one as it is.
``neutralise`` prefixes such text with a single quote, which every spreadsheet shows as text. A text
is neutralised when:

- its first character is ``=`` ``+`` ``-`` ``@``, tab, CR or LF (OWASP's list), or NUL (ASVS 1.2.10);
- its first character that is not blank is ``=`` ``+`` ``-`` ``@``: a reader may trim leading
  spaces when it imports (an import option, a later cleanup), and ``"  =1+1"`` is then a formula
  too. Blank here is wider than
  ``str.isspace``: every character a person cannot see (controls, format characters such as
  zero-width spaces and bidi marks), because some readers drop those too and the rule must hold
  whatever the reader strips;
- that first non-blank character is the full-width form of one of those four (U+FF1D, U+FF0B,
  U+FF0D, U+FF20), which Excel in some East Asian locales accepts as a formula start.

Only text is neutralised: a real ``int`` or ``float`` cannot carry a formula, so ``safe_cell(-5)``
is ``-5``, while the string ``"-5"`` (or ``"+44 20…"``, a phone number) becomes ``'-5``. The quote
is visible; that is the accepted price of the rule. A quote the original text already had is left
alone: it starts no formula.
"""

from __future__ import annotations

import math

_LEADING = frozenset("=+-@\t\r\n\x00")
_FORMULA_STARTS = frozenset("=+-@\uff1d\uff0b\uff0d\uff20")


def _characters(*ranges: tuple[int, int]) -> str:
    return "".join(chr(code) for low, high in ranges for code in range(low, high + 1))


# Characters a person cannot see, which a reader may trim or drop before it looks for a formula.
_BLANKS = _characters(
    (0x00, 0x20),  # C0 controls and space
    (0x7F, 0xA0),  # DEL, C1 controls, no-break space
    (0x1680, 0x1680),  # the other spaces (str.isspace)
    (0x2000, 0x200A),
    (0x2028, 0x2029),
    (0x202F, 0x202F),
    (0x205F, 0x205F),
    (0x3000, 0x3000),
    (0xAD, 0xAD),  # format characters (Unicode category Cf): zero-width, bidi marks, BOM, tags
    (0x600, 0x605),
    (0x61C, 0x61C),
    (0x6DD, 0x6DD),
    (0x70F, 0x70F),
    (0x890, 0x891),
    (0x8E2, 0x8E2),
    (0x180E, 0x180E),
    (0x200B, 0x200F),
    (0x202A, 0x202E),
    (0x2060, 0x2064),
    (0x2066, 0x206F),
    (0xFEFF, 0xFEFF),
    (0xFFF9, 0xFFFB),
    (0x110BD, 0x110BD),
    (0x110CD, 0x110CD),
    (0x13430, 0x13438),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0001, 0xE0001),
    (0xE0020, 0xE007F),
    (0xFFFE, 0xFFFF),  # noncharacters, which decoders may drop
)
RISKY_FIRST = frozenset(_BLANKS) | _LEADING | _FORMULA_STARTS
"""First characters that make a text worth a closer look; text starting with anything else (or
empty) is safe as it is. Writers test this inline to skip a call for the common case."""


def neutralise(text: str) -> str:
    """``text``, or ``'`` + ``text`` when a spreadsheet could read it as a formula (module doc)."""
    first = text[:1]
    if first in _LEADING or (first in RISKY_FIRST and text.lstrip(_BLANKS)[:1] in _FORMULA_STARTS):
        return "'" + text
    return text


def safe_cell(value: object) -> str:
    """The text of a cell: ``None`` is empty, a bool is ``true``/``false``, a finite ``int`` or
    ``float`` (the exact types: a subclass may print anything) is its plain text, anything else is
    its ``str()``, neutralised (``float('-inf')`` prints ``-inf``, so it is text too)."""
    if value is None:
        return ""
    kind = type(value)
    if kind is bool:
        return "true" if value else "false"
    if kind is int or (kind is float and isinstance(value, float) and math.isfinite(value)):
        return str(value)
    return neutralise(str(value))
