"""Attachments: too large, too many, content that does not match the name, and names that
try to leave the attachment's directory."""

from __future__ import annotations

import pytest
from django.test import override_settings

from complaints.models import Attachment, Complaint
from tests.badinput.conftest import PDF, PNG, assert_error, multipart

SUBMIT = "/api/v1/complaints/"
FIELDS = {"service": "ktp-el", "title": "KTP-el belum jadi",
          "description": "Sudah tiga bulan KTP-el saya belum dicetak."}


def named(name: str) -> str:
    return f'filename="{name}"'


def post(api, files, fields=FIELDS):
    body, content_type = multipart(fields, files)
    return api.generic("POST", SUBMIT, body, content_type=content_type)


@override_settings(ATTACHMENT_MAX_BYTES=64)
def test_oversized_attachment_is_400(stored, api):
    with stored.unchanged():
        response = post(api, [(named("foto.png"), PNG + b"\x00" * 64, "image/png")])
    error = assert_error(response, 400, "invalid_input")
    assert error["details"]["errors"] == {"attachments": "too large"}


@override_settings(ATTACHMENT_MAX_BYTES=64)
def test_one_oversized_among_good_ones_stores_none_of_them(stored, api):
    files = [(named("a.png"), PNG[:60], "image/png"),
             (named("b.pdf"), PDF + b"0", "application/pdf")]
    with stored.unchanged():
        response = post(api, files)
    assert_error(response, 400, "invalid_input")


@pytest.mark.parametrize("count", [6, 11])
def test_too_many_attachments_is_400(stored, api, count):
    files = [(named(f"foto{i}.png"), PNG, "image/png") for i in range(count)]
    with stored.unchanged():
        response = post(api, files)
    error = assert_error(response, 400, "invalid_input")
    assert "attachments" in error["details"]["errors"]


def test_more_files_than_django_reads_is_400(stored, api):
    # DATA_UPLOAD_MAX_NUMBER_FILES (100): Django's TooManyFilesSent, in the error shape.
    files = [(named(f"f{i}.png"), PNG, "image/png") for i in range(101)]
    with stored.unchanged():
        response = post(api, files)
    assert_error(response, 400, "malformed_request")


@pytest.mark.parametrize(("name", "content", "content_type", "problem"), [
    ("foto.pdf", PNG, "application/pdf", "name does not match content"),
    ("surat.png", PDF, "image/png", "name does not match content"),
    ("foto.jpg", PNG, "image/jpeg", "name does not match content"),
    ("catatan.png", b"just some text, not an image", "image/png", "unsupported type"),
    ("halaman.html", b"<html><script>alert(1)</script></html>", "text/html",
     "unsupported type"),
    ("skrip.svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
     "image/svg+xml", "unsupported type"),
    ("program.exe", b"MZ\x90\x00" + b"\x00" * 60, "application/octet-stream",
     "unsupported type"),
    ("palsu.webp", b"RIFF\x00\x00\x00\x00WAVEfmt ", "image/webp", "unsupported type"),
])
def test_content_that_does_not_match_is_400(stored, api, name, content, content_type,
                                            problem):
    with stored.unchanged():
        response = post(api, [(named(name), content, content_type)])
    error = assert_error(response, 400, "invalid_input")
    assert error["details"]["errors"] == {"attachments": problem}


def test_empty_attachment_is_400(stored, api):
    with stored.unchanged():
        response = post(api, [(named("kosong.png"), b"", "image/png")])
    error = assert_error(response, 400, "invalid_input")
    assert list(error["details"]["errors"]) == ["attachments"]


@pytest.mark.parametrize(("disposition", "kept"), [
    (named("../../../etc/passwd.png"), "passwd.png"),
    (named("..\\..\\windows\\system32\\foto.png"), "foto.png"),
    (named("/etc/cron.d/foto.png"), "foto.png"),
    (named("C:\\Users\\Public\\foto.png"), "foto.png"),
    (named("C:foto.png"), "foto.png"),
    (named("\\\\server\\share\\foto.png"), "foto.png"),
    (named(".htaccess.png"), "htaccess.png"),
    (named("foto\x00.png"), "foto.png"),
    (named("fo\x1b[31mto.png"), "fo[31mto.png"),
    ("filename*=UTF-8''..%2F..%2Fetc%2Fpasswd.png", "passwd.png"),
    (named("%2e%2e%2f%2e%2e%2ffoto.png"), "%2e%2e%2f%2e%2e%2ffoto.png"),
    (named("&#46;&#46;&#47;foto.png"), "foto.png"),
])
def test_path_tricks_in_file_names_are_reduced_to_a_safe_name(world, api, disposition,
                                                              kept):
    response = post(api, [(disposition, PNG, "image/png")])

    assert response.status_code == 201, response.content
    attachment = Attachment.objects.get()
    assert attachment.original_name == kept
    # Stored under an opaque name in the complaint's own directory, whatever was sent.
    number = Complaint.objects.get().tracking_number
    assert attachment.file.name == f"attachments/{number}/{attachment.sha256[:32]}"
    event = Complaint.objects.get().events.get()
    assert event.payload["attachments"] == [{"name": kept, "sha256": attachment.sha256}]


@pytest.mark.parametrize("name", ["..", ".", "/", "\\", "../", "\x00"])
def test_a_name_that_is_only_a_path_drops_the_file(world, api, name):
    # Django's multipart parser discards a file whose name sanitises to nothing; the
    # complaint itself is still received, without it.
    response = post(api, [(named(name), PNG, "image/png")])
    assert response.status_code == 201, response.content
    assert not Attachment.objects.exists()


def test_attachments_sent_as_json_are_400(stored, api):
    with stored.unchanged():
        response = api.post(SUBMIT, {**FIELDS, "attachments": ["JVBERi0xLjcK"]}, format="json")
    error = assert_error(response, 400, "invalid_input")
    assert "attachments" in error["details"]["errors"]
