"""Letters laid out with fpdf2 and parts merged into one PDF: a parser of its own (pypdf) reads the
merged file page by page, in order; markup outside the letter's repertoire never reaches the page."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from dispatch.letters.layout import Letter, LetterPdf, clean_html
from dispatch.letters.merge import PartError, PdfMerger


def _part(names: list[str], paragraphs: int = 1) -> bytes:
    pdf = LetterPdf(["Acme Ltd", "1 Sender Road"], "6 December 2026")
    for name in names:
        body = "".join(f"<p>Paragraph {n} for <b>{name}</b>.</p>" for n in range(paragraphs))
        pdf.add(
            Letter([name, "1 Main St", "11111 Springfield"], f"Notice for {name}", body, "https://x.test/c/t")
        )
    return pdf.output()


def test_merged_parts_read_back_as_every_letter_in_order() -> None:
    sink = io.BytesIO()
    merger = PdfMerger(sink)
    assert merger.add(_part(["Ada", "Bob"])) == 2
    assert merger.add(_part(["Cy"], paragraphs=70)) >= 2  # a long letter runs on to more pages
    assert merger.add(_part(["Di"])) == 1
    merger.close()

    pages = [page.extract_text() for page in PdfReader(io.BytesIO(sink.getvalue())).pages]
    assert len(pages) == merger.pages
    firsts = [page for page in pages if "Notice for" in page]
    assert [page.split("Notice for ")[1].split()[0] for page in firsts] == ["Ada", "Bob", "Cy", "Di"]
    assert "Acme Ltd" in pages[0]
    assert "https://x.test/c/t" in pages[0]


def test_a_part_that_is_not_fpdf2_output_is_refused() -> None:
    merger = PdfMerger(io.BytesIO())
    with pytest.raises(PartError):
        merger.add(b"not a pdf at all")
    with pytest.raises(PartError):
        merger.add(b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\nstartxref\n9\n%%EOF\n")


def test_only_the_letter_markup_survives() -> None:
    cleaned = clean_html(
        '<p style="x">Hi <b>you</b><br/><a href="http://evil.test">link</a>'
        "<img src=http://evil.test/x.png><script>alert(1)</script><ul><li>one</li></ul></p>"
    )
    assert cleaned == "<p>Hi <b>you</b><br>link<ul><li>one</li></ul></p>"
