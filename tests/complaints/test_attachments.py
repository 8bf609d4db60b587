import io

import pytest
from django.utils import translation

from complaints.attachments import check, safe_name
from workflow.errors import InvalidInput


@pytest.fixture(autouse=True)
def english():
    """The refusals asserted here are matched in English."""
    with translation.override("en"):
        yield


@pytest.mark.parametrize(
    ("raw", "safe"),
    [("../../etc/passwd.png", "passwd.png"), ("C:\\Users\\x\\foto.jpg", "foto.jpg"),
     (".htaccess", "htaccess"), ("a\x00b\r\n.pdf", "ab.pdf"), ("", "lampiran"),
     ("..", "lampiran"), ("x" * 300 + ".pdf", "x" * 92 + ".pdf")],
)
def test_safe_name_keeps_only_a_harmless_last_component(raw, safe):
    assert safe_name(raw) == safe


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [("a.pdf", b"%PDF-1.7 ...", "application/pdf"), ("a.JPG", b"\xff\xd8\xff\xe0..", "image/jpeg"),
     ("a.gif", b"GIF89a....", "image/gif"), ("a.webp", b"RIFF\x00\x00\x00\x00WEBPVP8 ", "image/webp")],
)
def test_type_comes_from_the_content(name, content, content_type, settings):
    settings.ATTACHMENT_MAX_BYTES = 1000
    checked = check(io.BytesIO(content), name, len(content))
    assert checked.content_type == content_type and checked.size == len(content)


def test_riff_that_is_not_webp_is_refused(settings):
    settings.ATTACHMENT_MAX_BYTES = 1000
    content = b"RIFF\x00\x00\x00\x00WAVEfmt "
    with pytest.raises(InvalidInput, match="only PDF") as refused:
        check(io.BytesIO(content), "a.webp", len(content))
    assert refused.value.errors == {"attachments": "unsupported type"}


def test_empty_file_is_refused(settings):
    with pytest.raises(InvalidInput, match=r"a\.png is empty") as refused:
        check(io.BytesIO(b""), "a.png", 0)
    assert refused.value.errors == {"attachments": "empty"}
