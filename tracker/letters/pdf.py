"""A letter as PDF (fpdf2) in a Unicode TrueType font that a package installs, so every name prints as written.

The built-in PDF fonts know Windows-1252 only: "Kỹ thuật viên", "Łukasz" or "Олександр" would lose letters. The font
comes from Debian's ``fonts-dejavu-core`` by default (DejaVu Sans covers Latin with every diacritic, Cyrillic, Greek
and Arabic); ``LETTER_FONT`` and ``LETTER_FONT_BOLD`` point elsewhere. Text is shaped with HarfBuzz (uharfbuzz), so
Arabic letters join and run right to left, and the text layer keeps the characters as written.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fpdf import FPDF

from tracker.letters.content import Letter

DEFAULT_FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
DEFAULT_FONT_BOLD = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
FAMILY = "letter"


class LetterFontMissing(RuntimeError):
    """The configured letter font is not on this machine: letters cannot be printed as written."""


@dataclass(frozen=True)
class LetterFonts:
    regular: str = DEFAULT_FONT
    bold: str = DEFAULT_FONT_BOLD

    @classmethod
    def from_config(cls, config) -> "LetterFonts":
        return cls(regular=config.get("LETTER_FONT") or DEFAULT_FONT,
                   bold=config.get("LETTER_FONT_BOLD") or DEFAULT_FONT_BOLD)

    def check(self) -> "LetterFonts":
        for setting, path in (("LETTER_FONT", self.regular), ("LETTER_FONT_BOLD", self.bold)):
            if not Path(path).is_file():
                raise LetterFontMissing(
                    f"Letter font not found: {path} ({setting}). Install Debian's fonts-dejavu-core "
                    f"(apt-get install fonts-dejavu-core) or set {setting} to a Unicode TrueType font file.")
        return self


def render_pdf(letter: Letter, fonts: LetterFonts | None = None) -> bytes:
    fonts = (fonts or LetterFonts()).check()
    pdf = FPDF(format="A4")
    pdf.add_font(FAMILY, "", fonts.regular)
    pdf.add_font(FAMILY, "B", fonts.bold)
    pdf.set_text_shaping(True)  # HarfBuzz: joined Arabic, right-to-left runs, combining marks placed
    pdf.set_title(f"{letter.title} {letter.reference}")
    pdf.set_lang(letter.lang)
    pdf.set_margins(25, 20, 20)
    pdf.add_page()
    pdf.set_font(FAMILY, size=9)
    for line in letter.sender:  # sender block: office, address, contact
        pdf.cell(0, 4.5, line, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(8)
    pdf.set_font(FAMILY, size=11)
    for line in letter.recipient:
        pdf.cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(8)
    pdf.cell(0, 6, f"{'Aktenzeichen' if letter.lang == 'de' else 'Reference'}: {letter.reference}",
             new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 6, f"{'Datum' if letter.lang == 'de' else 'Date'}: {letter.dated}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font(FAMILY, style="B", size=12)
    pdf.multi_cell(0, 7, letter.title, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_font(FAMILY, size=11)
    pdf.multi_cell(0, 6, letter.salutation, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    for paragraph in letter.paragraphs:
        pdf.multi_cell(0, 6, paragraph.text, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)
        if paragraph.items:  # the list below the sentence that leads in to it
            for item in paragraph.items:
                pdf.multi_cell(0, 6, f"  \u2013 {item}", new_x="LMARGIN", new_y="NEXT")
            pdf.ln(2)
    pdf.ln(4)
    pdf.multi_cell(0, 6, letter.closing, new_x="LMARGIN", new_y="NEXT")
    pdf.multi_cell(0, 6, letter.signature, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
