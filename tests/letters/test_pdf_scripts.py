"""PDF letters print every name as written: the text layer of the PDF holds each script's characters unchanged."""
from __future__ import annotations

import io
from datetime import date

import pytest
from pypdf import PdfReader

from tracker.cases import service
from tracker.extensions import db
from tracker.letters.content import Letter, Paragraph
from tracker.letters.pdf import LetterFontMissing, LetterFonts, render_pdf

#: (given names, family name) as the applicants write them.
NAMES = {
    "Turkish": ("Işıl", "Şahin Çağlar"),
    "Polish": ("Łukasz", "Żółć"),
    "Cyrillic": ("Олександр", "Шевченко"),
    "Arabic": ("محمد", "عبد الله"),
    "Vietnamese": ("Thị Ánh", "Nguyễn"),
}
PROFESSION = "Kỹ thuật viên cơ điện tử"


def text_layer(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def letter(**changes) -> Letter:
    fields = dict(kind="receipt", lang="de", title="Eingangsbestätigung", sender=["Anerkennungsstelle Erfurt"],
                  recipient=["Işıl Şahin Çağlar"], reference="BQ-2026-000123", dated="02.03.2026",
                  salutation="Guten Tag,", paragraphs=[Paragraph("Absatz.")], closing="Mit freundlichen Grüßen",
                  signature="Anerkennungsstelle Erfurt")
    fields.update(changes)
    return Letter(**fields)


@pytest.mark.parametrize("name", [PROFESSION, "Işıl Şahin Çağlar", "Łukasz Żółć", "Олександр Шевченко",
                                  "محمد عبد الله"])
def test_the_pdf_text_layer_holds_each_script_as_written(name):
    pdf = render_pdf(letter(recipient=[name], paragraphs=[Paragraph("Folgende Unterlagen fehlen:", [name])]))

    lines = text_layer(pdf).splitlines()
    assert name in lines  # the recipient line, alone on its line
    assert f"– {name}" in [line.strip() for line in lines]  # the list item


def test_the_letter_font_is_embedded():
    pdf = render_pdf(letter())

    fonts = {str(font["/BaseFont"]) for page in PdfReader(io.BytesIO(pdf)).pages
             for font in page["/Resources"]["/Font"].values()}
    assert any("DejaVuSans" in font for font in fonts), fonts
    assert all(font.get_object().get("/Subtype") == "/Type0" for page in PdfReader(io.BytesIO(pdf)).pages
               for font in page["/Resources"]["/Font"].values())


def test_a_missing_font_fails_loudly_and_names_the_setting_and_package(tmp_path):
    missing = tmp_path / "NoSuchFont.ttf"

    with pytest.raises(LetterFontMissing) as error:
        render_pdf(letter(), LetterFonts(regular=str(missing)))

    assert str(missing) in str(error.value)
    assert "LETTER_FONT" in str(error.value) and "fonts-dejavu-core" in str(error.value)


def test_the_font_comes_from_the_configuration(app, monkeypatch):
    monkeypatch.setitem(app.config, "LETTER_FONT", "/srv/fonts/Letter.ttf")

    assert LetterFonts.from_config(app.config).regular == "/srv/fonts/Letter.ttf"
    assert LetterFonts.from_config({}).regular.endswith("DejaVuSans.ttf")


@pytest.mark.parametrize("script", sorted(NAMES))
def test_the_receipt_letter_pdf_prints_names_and_profession_as_written(client, login, make, office, clerk, script):
    given, family = NAMES[script]
    case = make.case(office=office, actor=clerk, received_on=date(2026, 2, 27),
                     applicant=make.person(given=given, family=family))
    case.profession = PROFESSION
    service.apply_transition(case, "confirm_receipt_incomplete", clerk, {"documents": "diploma"})
    db.session.commit()
    login(clerk)

    for lang in ("de", "en"):
        response = client.get(f"/cases/{case.id}/letters/receipt.pdf?lang={lang}")

        assert response.status_code == 200
        text = text_layer(response.data)
        assert f"{given} {family}" in text.splitlines()
        assert PROFESSION in " ".join(text.split())  # the paragraph may wrap anywhere
