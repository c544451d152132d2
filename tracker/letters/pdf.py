"""A letter as PDF (fpdf2, built-in Helvetica: no font files, no network)."""
from __future__ import annotations

import dataclasses
import unicodedata

from fpdf import FPDF

from tracker.letters.content import Letter

ENCODING = "windows-1252"
#: Letters with a stroke have no decomposition: write them as their base letter (Vietnamese Đặng -> Dang).
_STROKED = str.maketrans({"Đ": "D", "đ": "d", "Ł": "L", "ł": "l", "ı": "i", "Ħ": "H", "ħ": "h"})


def _encodable(text: str) -> str:
    """The built-in fonts know Windows-1252 only. A character outside it (Vietnamese "ễ", Polish "ł") loses its
    diacritics as in a passport's machine-readable zone ("ễ" -> "e"), or becomes "?"; the print view keeps it."""
    kept = []
    for char in text:
        if not _fits(char):
            char = "".join(c for c in unicodedata.normalize("NFKD", char.translate(_STROKED))
                           if not unicodedata.combining(c))
        kept.append(char if char and _fits(char) else "?")
    return "".join(kept)


def _fits(text: str) -> bool:
    try:
        text.encode(ENCODING)
    except UnicodeEncodeError:
        return False
    return True


def _printable(letter: Letter) -> Letter:
    def clean(value):
        if isinstance(value, str):
            return _encodable(value)
        if isinstance(value, list):
            return [clean(item) for item in value]
        return value

    return dataclasses.replace(letter, **{f.name: clean(getattr(letter, f.name)) for f in dataclasses.fields(letter)})


def render_pdf(letter: Letter) -> bytes:
    letter = _printable(letter)
    pdf = FPDF(format="A4")
    # Windows-1252 has the German quotes, dashes and the euro sign that Latin-1 lacks.
    pdf.core_fonts_encoding = ENCODING
    pdf.set_title(f"{letter.title} {letter.reference}")
    pdf.set_lang(letter.lang)
    pdf.set_margins(25, 20, 20)
    pdf.add_page()
    pdf.set_font("Helvetica", size=9)
    pdf.cell(0, 5, letter.office, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(8)
    pdf.set_font("Helvetica", size=11)
    for line in letter.recipient:
        pdf.cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(8)
    pdf.cell(0, 6, f"{'Aktenzeichen' if letter.lang == 'de' else 'Reference'}: {letter.reference}",
             new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 6, f"{'Datum' if letter.lang == 'de' else 'Date'}: {letter.dated}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font("Helvetica", style="B", size=12)
    pdf.multi_cell(0, 7, letter.title, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_font("Helvetica", size=11)
    pdf.multi_cell(0, 6, letter.salutation, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    for index, paragraph in enumerate(letter.paragraphs):
        pdf.multi_cell(0, 6, paragraph, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)
        if index == 0 and letter.items:
            for item in letter.items:
                pdf.multi_cell(0, 6, f"  \u2013 {item}", new_x="LMARGIN", new_y="NEXT")
            pdf.ln(2)
    pdf.ln(4)
    pdf.multi_cell(0, 6, letter.closing, new_x="LMARGIN", new_y="NEXT")
    pdf.multi_cell(0, 6, letter.office, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
