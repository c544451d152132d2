"""The content check alone, without an app: every hostile file is refused with a reason the sender can act on, and
the good files of each kind pass."""
from __future__ import annotations

import pytest

from tests.documents import samples
from tracker.documents.inspection import FileRefused, inspect

LIMIT = 5 * 1024 * 1024


@pytest.mark.parametrize("name, content, reason", [pytest.param(*row[1:], id=row[0]) for row in samples.hostile_files()])
def test_a_hostile_file_is_refused_with_a_reason(name, content, reason):
    with pytest.raises(FileRefused) as refused:
        inspect(content, name, LIMIT)
    assert reason in refused.value.message.de
    assert refused.value.message.en and refused.value.message.en != refused.value.message.de


def test_there_are_at_least_thirty_hostile_files():
    assert len(samples.hostile_files()) >= 30


@pytest.mark.parametrize("name, content, media_type", [
    ("Zeugnis.pdf", samples.good_pdf(), "application/pdf"),
    ("Pass.JPG", samples.good_jpeg(), "image/jpeg"),
    ("Pass.jpeg", samples.good_jpeg(), "image/jpeg"),
    ("Urkunde (Übersetzung).png", samples.good_png(), "image/png"),
    ("Zeugnis-Seite-1.pdf", samples.pdf_open_action_page_view(), "application/pdf"),
    ("Objektstrom.pdf", samples.pdf_harmless_object_stream(), "application/pdf"),
])
def test_plain_pdf_jpeg_and_png_files_pass(name, content, media_type):
    checked = inspect(content, name, LIMIT)
    assert checked.media_type == media_type and checked.file_name == name


def test_a_file_above_the_limit_is_refused_naming_the_limit():
    with pytest.raises(FileRefused, match="zu groß"):
        inspect(samples.good_pdf() + b"\n" * (2 * 1024 * 1024), "zeugnis.pdf", 1024 * 1024)
