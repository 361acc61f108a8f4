"""Letters laid out as printable A4 pages (PRODUCT §8), with fpdf2.

fpdf2 is pure Python (it needs no system library in Lambda) and lays out the simple HTML a letter
body is written in — paragraphs, bold, italics, line breaks, lists — with its own ``write_html``.
Everything else a body might hold is dropped before it reaches fpdf2 (:func:`clean_html`): no link,
image or style can make the renderer fetch anything. Text prints in the PDF core font Helvetica,
whose repertoire is Windows-1252: other characters print as ``?``.

A page: the organisation's return address (top left), the contact's postal address (right, where a
window envelope shows it), the date, the title, the body, then the card's link as text and as a
QR code (vector squares from segno's matrix: no image). A long body runs on to more pages.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from html.parser import HTMLParser

import segno
from fpdf import FPDF

ALLOWED = frozenset({"p", "br", "b", "strong", "i", "em", "u", "ul", "ol", "li"})
DROPPED_WITH_CONTENT = frozenset({"script", "style", "head", "title"})
QR_MODULE_MM = 0.7
QR_SPACE_MM = 45


@dataclass(frozen=True, slots=True)
class Letter:
    """One letter's printed content (already rendered from its templates)."""

    recipient: Sequence[str]  # the postal address, a line each
    title: str
    body_html: str
    link: str


def printable(text: str) -> str:
    """What the core font can print: characters outside Windows-1252 become ``?``."""
    return text.encode("cp1252", "replace").decode("cp1252")


class _Cleaner(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in DROPPED_WITH_CONTENT:
            self._skipping += 1
        elif tag in ALLOWED and not self._skipping:
            self.out.append(f"<{tag}>")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br" and not self._skipping:
            self.out.append("<br>")

    def handle_endtag(self, tag: str) -> None:
        if tag in DROPPED_WITH_CONTENT:
            self._skipping = max(0, self._skipping - 1)
        elif tag in ALLOWED and tag != "br" and not self._skipping:
            self.out.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.out.append(html.escape(printable(data), quote=False))


def clean_html(body: str) -> str:
    """Only the markup a letter may use, without attributes; text escaped again."""
    cleaner = _Cleaner()
    cleaner.feed(body)
    cleaner.close()
    return "".join(cleaner.out)


class LetterPdf:
    """A PDF of letters, one after another; each starts on a new page."""

    def __init__(self, return_address: Sequence[str], dated: str) -> None:
        self._pdf = FPDF(format="A4", unit="mm")
        self._pdf.set_compression(True)
        self._pdf.set_auto_page_break(auto=True, margin=20)
        self._pdf.set_margins(20, 20, 20)
        self._return = [printable(line) for line in return_address]
        self._dated = printable(dated)
        self.letters = 0

    @property
    def pages(self) -> int:
        return int(self._pdf.page_no())

    def add(self, letter: Letter) -> int:
        """Lay out one letter; how many pages it took."""
        pdf = self._pdf
        before = pdf.page_no()
        pdf.add_page()
        pdf.set_font("helvetica", size=9)
        for line in self._return:
            pdf.cell(0, 4.5, line, new_x="LMARGIN", new_y="NEXT")
        pdf.set_xy(115, 45)
        pdf.set_font("helvetica", size=11)
        for line in letter.recipient:
            pdf.set_x(115)
            pdf.cell(75, 5.5, printable(line), new_x="LMARGIN", new_y="NEXT")
        pdf.set_xy(20, 85)
        pdf.set_font("helvetica", size=10)
        pdf.cell(0, 6, self._dated, new_x="LMARGIN", new_y="NEXT", align="R")
        pdf.ln(4)
        pdf.set_font("helvetica", style="B", size=14)
        pdf.multi_cell(0, 7, printable(letter.title), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(3)
        pdf.set_font("helvetica", size=11)
        pdf.write_html(clean_html(letter.body_html))
        self._link(letter.link)
        self.letters += 1
        return int(pdf.page_no()) - int(before)

    def _link(self, link: str) -> None:
        pdf = self._pdf
        if pdf.get_y() + QR_SPACE_MM > pdf.h - 20:
            pdf.add_page()
        pdf.ln(6)
        top = pdf.get_y()
        matrix = segno.make(link, error="m").matrix
        size = len(matrix) * QR_MODULE_MM
        pdf.set_fill_color(0, 0, 0)
        for row, modules in enumerate(matrix):
            start = None
            for column, dark in enumerate([*modules, 0]):
                if dark and start is None:
                    start = column
                elif not dark and start is not None:
                    pdf.rect(
                        20 + start * QR_MODULE_MM,
                        top + row * QR_MODULE_MM,
                        (column - start) * QR_MODULE_MM,
                        QR_MODULE_MM,
                        style="F",
                    )
                    start = None
        pdf.set_xy(25 + size, top)
        pdf.set_font("helvetica", size=9)
        pdf.multi_cell(0, 4.5, printable(f"Open your form at:\n{link}"), new_x="LMARGIN", new_y="NEXT")
        pdf.set_y(max(pdf.get_y(), top + size))

    def output(self) -> bytes:
        return bytes(self._pdf.output())
