"""Is this upload a plain PDF, JPEG or PNG? Judged by its content, never by its name or the browser's content type.

Every check refuses rather than repairs, with a message the sender can act on (``FileRefused``). What passes:
- a name that is a plain file name (no folders, no control characters) ending in .pdf, .jpg/.jpeg or .png, whose
  ending matches the content;
- PDF: starts with ``%PDF-``, ends with ``%%EOF``, opens with pypdf, has pages, is not encrypted, and has no
  JavaScript, launch or submit actions, embedded files, rich media or XFA forms: looked for in every object pypdf
  reads (object streams included, where a raw scan sees only compressed bytes) and in the raw bytes (names written
  with ``#xx`` escapes included), because attackers hide names in one or the other;
- PNG: its chunk structure, every CRC, IHDR first and nothing after IEND;
- JPEG: its marker structure up to the image data and the end marker as the very last bytes;
- for all: no markup (HTML, SVG, script) anywhere and no ZIP directory at the end (polyglots), a size within the
  limit, and an image size within ``MAX_PIXELS`` (decompression bombs).

Pure: no Flask, no database; the tests feed it hostile files directly.
"""
from __future__ import annotations

import io
import re
import struct
import unicodedata
import zlib
from dataclasses import dataclass

from pypdf import PdfReader
from pypdf.errors import PyPdfError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject, StreamObject

from tracker.procedures.definition import LocalText

#: Pixels an image may have (width x height): far above any scanned page, far below a decompression bomb.
MAX_PIXELS = 80_000_000
#: Longest file name kept (characters).
MAX_NAME = 120


class FileRefused(Exception):
    """The upload is not accepted; ``message`` says why, in both languages."""

    def __init__(self, message: LocalText):
        super().__init__(message.de)
        self.message = message


@dataclass(frozen=True)
class Inspected:
    media_type: str
    extension: str
    #: The file name to show and to offer on download: the sender's, checked, with the right ending.
    file_name: str


ALLOWED = LocalText("Bitte laden Sie eine PDF-, JPEG- oder PNG-Datei hoch.",
                    "Please upload a PDF, JPEG or PNG file.")
EXTENSIONS = {".pdf": "application/pdf", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png"}
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

#: Markup that makes a file something a browser or viewer would run or render as a page.
MARKUP = re.compile(rb"<\s*(?:script|html|svg|body|iframe|object|embed|!doctype|\?php|\?xml-stylesheet)\b|"
                    rb"javascript:", re.IGNORECASE)
#: ZIP's end-of-central-directory record: archive tools look for it in the last 64 KiB of a file.
ZIP_END = b"PK\x05\x06"
ZIP_TAIL = 65_557

#: PDF names that run code, start programs, carry files or submit data; refused wherever they appear.
PDF_FORBIDDEN = {"/JS": "JavaScript", "/JavaScript": "JavaScript", "/Launch": "launch", "/EmbeddedFile": "embedded",
                 "/EmbeddedFiles": "embedded", "/Encrypt": "encrypted", "/RichMedia": "embedded",
                 "/XFA": "JavaScript", "/SubmitForm": "launch", "/ImportData": "launch", "/GoToE": "embedded"}
#: Actions an /OpenAction may not start (a plain "open at page 1" destination is fine).
PDF_OPEN_ACTIONS = {"/JavaScript", "/Launch", "/SubmitForm", "/ImportData", "/GoToR", "/GoToE", "/URI", "/Rendition"}
PDF_NAME = re.compile(rb"/[^\s/<>\[\]()%{}]+")
PDF_REASONS = {
    "JavaScript": LocalText("Die PDF-Datei enthält JavaScript. Bitte speichern oder drucken Sie sie als einfaches "
                            "PDF (z. B. „Als PDF drucken“) und laden Sie sie erneut hoch.",
                            "The PDF contains JavaScript. Please save or print it as a plain PDF (e.g. \"Print to "
                            "PDF\") and upload it again."),
    "launch": LocalText("Die PDF-Datei enthält Aktionen, die Programme starten oder Daten senden. Bitte laden Sie ein "
                        "einfaches PDF hoch.", "The PDF contains actions that start programs or send data. Please "
                        "upload a plain PDF."),
    "embedded": LocalText("Die PDF-Datei enthält eingebettete Dateien oder Medien. Bitte laden Sie jede Unterlage "
                          "als einfaches PDF hoch.", "The PDF contains embedded files or media. Please upload each "
                          "document as a plain PDF."),
    "encrypted": LocalText("Die PDF-Datei ist verschlüsselt oder kennwortgeschützt. Bitte laden Sie sie ohne "
                           "Kennwort hoch.", "The PDF is encrypted or password-protected. Please upload it without "
                           "a password."),
}
DAMAGED = LocalText("Die Datei ist beschädigt oder unvollständig und kann nicht geöffnet werden. Bitte laden Sie sie "
                    "erneut hoch.", "The file is damaged or incomplete and cannot be opened. Please upload it again.")
MIXED = LocalText("Die Datei enthält neben dem Dokument weitere Inhalte (z. B. Webseiten-Code oder ein Archiv) und "
                  "wird deshalb nicht angenommen. Bitte laden Sie ein einfaches PDF, JPEG oder PNG hoch.",
                  "The file contains more than the document (e.g. web page code or an archive) and is therefore "
                  "not accepted. Please upload a plain PDF, JPEG or PNG.")


def inspect(data: bytes, file_name: str, max_bytes: int) -> Inspected:
    """The checked upload, or ``FileRefused`` naming the first reason."""
    name = checked_name(file_name)
    if not data:
        raise FileRefused(LocalText("Die Datei ist leer.", "The file is empty."))
    if len(data) > max_bytes:
        raise FileRefused(too_large(max_bytes))
    extension = "." + name.rsplit(".", 1)[1].lower()
    media_type = sniff(data)
    if media_type is None:
        raise FileRefused(ALLOWED)
    if EXTENSIONS[extension] != media_type:
        raise FileRefused(LocalText(
            "Der Dateiname passt nicht zum Inhalt: Die Datei heißt „{name}“, ist aber keine {kind}-Datei.".format(
                name=name, kind=extension[1:].upper()),
            "The file name does not match its content: it is called \"{name}\" but is not a {kind} file.".format(
                name=name, kind=extension[1:].upper())))
    if MARKUP.search(data) or ZIP_END in data[-ZIP_TAIL:]:
        raise FileRefused(MIXED)
    {"application/pdf": check_pdf, "image/png": check_png, "image/jpeg": check_jpeg}[media_type](data)
    return Inspected(media_type, extension, name)


def too_large(max_bytes: int) -> LocalText:
    megabytes = f"{max_bytes / 1_048_576:.0f}"
    return LocalText(f"Die Datei ist zu groß (höchstens {megabytes} MB).",
                     f"The file is too large (at most {megabytes} MB).")


def checked_name(file_name: str | None) -> str:
    """The sender's file name if it is a plain name with an allowed ending; refused otherwise (no folders, no
    control characters, no hidden or reserved names)."""
    name = unicodedata.normalize("NFC", file_name or "").strip()
    if not name:
        raise FileRefused(LocalText("Bitte wählen Sie eine Datei aus.", "Please choose a file."))
    if any(unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp") for char in name) or "/" in name or "\\" in name \
            or name.startswith(".") or ":" in name or len(name) > MAX_NAME:
        raise FileRefused(LocalText("Der Dateiname ist nicht zulässig. Bitte benennen Sie die Datei um (nur ein "
                                    "einfacher Name wie „Zeugnis.pdf“).",
                                    "The file name is not allowed. Please rename the file (a plain name such as "
                                    "\"certificate.pdf\")."))
    if "." not in name or "." + name.rsplit(".", 1)[1].lower() not in EXTENSIONS:
        raise FileRefused(ALLOWED)
    return name


def sniff(data: bytes) -> str | None:
    """The media type the first bytes announce, if it is one of ours; the structure checks follow."""
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    if data.startswith(PNG_SIGNATURE):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    return None


# --- PNG ------------------------------------------------------------------------------------------------------

def check_png(data: bytes) -> None:
    position, first, seen_end = len(PNG_SIGNATURE), True, False
    while position < len(data):
        if seen_end:
            raise FileRefused(MIXED)  # bytes after IEND: something else rides along
        if position + 12 > len(data):
            raise FileRefused(DAMAGED)
        length, kind = struct.unpack(">I4s", data[position:position + 8])
        end = position + 8 + length
        if end + 4 > len(data):
            raise FileRefused(DAMAGED)
        (crc,) = struct.unpack(">I", data[end:end + 4])
        if zlib.crc32(data[position + 4:end]) != crc or not kind.isalpha():
            raise FileRefused(DAMAGED)
        if first:
            if kind != b"IHDR" or length != 13:
                raise FileRefused(DAMAGED)
            width, height = struct.unpack(">II", data[position + 8:position + 16])
            if not width or not height or width * height > MAX_PIXELS:
                raise FileRefused(DAMAGED)
            first = False
        seen_end = kind == b"IEND"
        position = end + 4
    if not seen_end:
        raise FileRefused(DAMAGED)


# --- JPEG -----------------------------------------------------------------------------------------------------

#: Markers without a length field.
_STANDALONE = {0x01, *range(0xD0, 0xD8)}
_START_OF_FRAME = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def check_jpeg(data: bytes) -> None:
    """Segments from SOI to the first scan, a frame header among them, and EOI as the last two bytes."""
    if not data.endswith(b"\xff\xd9"):
        raise FileRefused(MIXED if b"\xff\xd9" in data[-ZIP_TAIL:] else DAMAGED)
    position, frame = 2, False
    while True:
        if position + 4 > len(data) or data[position] != 0xFF:
            raise FileRefused(DAMAGED)
        marker = data[position + 1]
        if marker == 0xFF:  # fill byte
            position += 1
            continue
        if marker in _STANDALONE:
            position += 2
            continue
        if marker == 0xD9:
            raise FileRefused(DAMAGED)  # ends before any image data
        (length,) = struct.unpack(">H", data[position + 2:position + 4])
        if length < 2 or position + 2 + length > len(data):
            raise FileRefused(DAMAGED)
        if marker in _START_OF_FRAME:
            if length < 8:
                raise FileRefused(DAMAGED)
            height, width = struct.unpack(">HH", data[position + 5:position + 9])
            if not width or width * max(height, 1) > MAX_PIXELS:
                raise FileRefused(DAMAGED)
            frame = True
        if marker == 0xDA:  # start of scan: compressed image data follows up to EOI
            if not frame or position + 2 + length >= len(data) - 2:
                raise FileRefused(DAMAGED)
            return
        position += 2 + length


# --- PDF ------------------------------------------------------------------------------------------------------

def _decoded_name(raw: bytes) -> str:
    """A PDF name with its ``#xx`` escapes resolved (``/J#61vaScript`` is ``/JavaScript``)."""
    return re.sub(rb"#([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]), raw).decode("latin-1")


def check_pdf(data: bytes) -> None:
    tail = data.rstrip(b"\x00\t\n\f\r ")
    if not tail.endswith(b"%%EOF"):
        raise FileRefused(MIXED if b"%%EOF" in data else DAMAGED)
    # 1. The raw bytes: names as written, escaped or not (a parser may skip a damaged object that a viewer runs).
    for match in PDF_NAME.finditer(data):
        name = _decoded_name(match.group())
        if name in PDF_FORBIDDEN:
            raise FileRefused(PDF_REASONS[PDF_FORBIDDEN[name]])
    # 2. Every object pypdf reads, object streams included (compressed: invisible to the raw scan).
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise FileRefused(PDF_REASONS["encrypted"])
        _walk(reader)
        if len(reader.pages) < 1:
            raise FileRefused(DAMAGED)
    except FileRefused:
        raise
    except (PyPdfError, ValueError, TypeError, KeyError, IndexError, AttributeError, RecursionError, OSError,
            AssertionError, struct.error, zlib.error):
        raise FileRefused(DAMAGED) from None


#: Objects a PDF may have before we stop looking and call it damaged (a small document has a few hundred).
MAX_OBJECTS = 200_000


def _walk(reader: PdfReader) -> None:
    """Every object reachable from the trailer and every object in the cross-reference (reachable or not), each
    looked at once."""
    seen: set[tuple[int, int]] = set()
    stack: list = [reader.trailer]
    for generation, objects in reader.xref.items():
        stack += [IndirectObject(number, generation, reader) for number in objects]
    stack += [IndirectObject(number, 0, reader) for number in reader.xref_objStm]
    count = 0
    while stack:
        item = stack.pop()
        if isinstance(item, IndirectObject):
            key = (item.idnum, item.generation)
            if key in seen:
                continue
            seen.add(key)
            item = item.get_object()
        count += 1
        if count > MAX_OBJECTS:
            raise FileRefused(DAMAGED)
        if isinstance(item, (DictionaryObject, StreamObject)):
            for key, value in item.items():
                _check_name(str(key))
                if key == "/OpenAction":
                    action = value.get_object()
                    if isinstance(action, DictionaryObject) and str(action.get("/S", "")) in PDF_OPEN_ACTIONS:
                        raise FileRefused(PDF_REASONS["JavaScript" if action.get("/S") == "/JavaScript"
                                                      else "launch"])
                if key == "/S":
                    _check_name(str(value))
                stack.append(value)
        elif isinstance(item, ArrayObject):
            stack.extend(item)
        elif isinstance(item, NameObject):
            _check_name(str(item))


def _check_name(name: str) -> None:
    if name in PDF_FORBIDDEN:
        raise FileRefused(PDF_REASONS[PDF_FORBIDDEN[name]])
