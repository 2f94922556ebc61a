"""What an uploaded file is, by its content: the five kinds Braid keeps, or a plain refusal.

The name a browser sends is checked only for what it must not hold (folders, control characters) and for
agreeing with the content; the kind itself comes from the bytes (magic numbers via `filetype`, then the
zip's own members for Word and OpenDocument). A zip is read by its central directory only: nothing is
extracted, to memory or disk, so an archive bomb is refused before any of it is inflated.
"""
from __future__ import annotations

import enum
import unicodedata
import zipfile
from io import BytesIO

import filetype

from app.problems import Refusal

MAX_BYTES = 20 * 1024 * 1024
NAME_MAX = 200
# Word and OpenDocument files are zips: what their central directory may declare before Braid refuses it.
ZIP_MAX_MEMBERS = 1000
ZIP_MAX_TOTAL = 200 * 1024 * 1024  # uncompressed, all members together
ZIP_MAX_RATIO = 100  # a member inflating more than this ...
ZIP_RATIO_FLOOR = 1024 * 1024  # ... and to more than 1 MB is a bomb (small XML parts compress well honestly)
NESTED_ARCHIVES = (".zip", ".docx", ".docm", ".xlsx", ".pptx", ".odt", ".ods", ".odp", ".jar", ".7z", ".rar", ".gz",
                   ".tar", ".bz2", ".xz", ".cab")
ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"

ACCEPTED = "a PDF, Word (DOCX), OpenDocument text (ODT), PNG or JPEG file"
CHOOSE_AGAIN = "Nothing has been attached: choose a file again"


class FileKind(enum.Enum):
    PDF = "pdf"
    DOCX = "docx"
    ODT = "odt"
    PNG = "png"
    JPEG = "jpeg"

    @property
    def label(self) -> str:
        return _LABELS[self][0]

    @property
    def with_article(self) -> str:
        return ("an " if self.label[0] in "AEIOU" else "a ") + self.label

    @property
    def mimetype(self) -> str:
        return _LABELS[self][1]

    @property
    def extensions(self) -> tuple[str, ...]:
        return _LABELS[self][2]


_LABELS = {
    FileKind.PDF: ("PDF", "application/pdf", (".pdf",)),
    FileKind.DOCX: ("Word document", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                    (".docx",)),
    FileKind.ODT: ("OpenDocument text file", "application/vnd.oasis.opendocument.text", (".odt",)),
    FileKind.PNG: ("PNG image", "image/png", (".png",)),
    FileKind.JPEG: ("JPEG image", "image/jpeg", (".jpg", ".jpeg")),
}


class FileRefused(Refusal):
    """A file Braid will not keep, with a message that says why and what to do."""

    def __init__(self, message: str, field: str = "file"):
        super().__init__(f"{message}. {CHOOSE_AGAIN}", field)


def size_in_words(size: int) -> str:
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def clean_name(name: str | None) -> str:
    """The file's own name, as the person will see it again; refused with path parts or control characters."""
    name = (name or "").strip()
    if not name:
        raise FileRefused("The selected file has no name")
    if "/" in name or "\\" in name or name in (".", "..") or ":" in name:
        raise FileRefused("The file name must not include folders or drive letters: rename the file")
    if any(unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp") for char in name):
        raise FileRefused("The file name must not include control characters: rename the file")
    if len(name) > NAME_MAX:
        raise FileRefused(f"The file name must be {NAME_MAX} characters or fewer: rename the file")
    return unicodedata.normalize("NFC", name)


def _zip_kind(data: bytes) -> FileKind:
    """Word or OpenDocument text, from the central directory alone; anything else a zip holds is refused."""
    try:
        archive = zipfile.ZipFile(BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise FileRefused("The selected file is damaged and cannot be read") from None
    if len(members) > ZIP_MAX_MEMBERS:
        raise FileRefused("The selected file holds too many parts to be a document")
    total = 0
    for member in members:
        total += member.file_size
        compressed = max(member.compress_size, 1)
        if member.file_size > ZIP_RATIO_FLOOR and member.file_size / compressed > ZIP_MAX_RATIO:
            raise FileRefused("The selected file would expand to far more than its size (it may be an archive "
                              "bomb), so Braid has not kept it")
        if member.filename.lower().endswith(NESTED_ARCHIVES):
            raise FileRefused("The selected file has another archive or document inside it: save it without "
                              "embedded files")
    if total > ZIP_MAX_TOTAL:
        raise FileRefused("The selected file would expand to far more than its size (it may be an archive bomb), "
                          "so Braid has not kept it")
    names = {member.filename for member in members}
    if "[Content_Types].xml" in names and any(name.startswith("word/") for name in names):
        return FileKind.DOCX
    mimetype = next((member for member in members if member.filename == "mimetype"), None)
    if mimetype is not None and mimetype.file_size <= 128:
        try:
            if archive.read(mimetype).strip() == ODT_MIMETYPE:
                return FileKind.ODT
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
            raise FileRefused("The selected file is damaged and cannot be read") from None
    raise FileRefused(f"The selected file must be {ACCEPTED}")


def kind_of(data: bytes) -> FileKind:
    """The kind of file `data` is, by content. :raise FileRefused: for anything but the five kinds."""
    if data.startswith(b"%PDF-"):
        return FileKind.PDF
    guessed = filetype.guess(data[:8192])
    mime = guessed.mime if guessed is not None else None
    if mime == "image/png":
        return FileKind.PNG
    if mime == "image/jpeg":
        return FileKind.JPEG
    if data.startswith(b"PK\x03\x04"):
        return _zip_kind(data)
    raise FileRefused(f"The selected file must be {ACCEPTED}")


def check_file(name: str | None, data: bytes) -> tuple[str, FileKind]:
    """(clean name, kind) of an upload Braid may keep. :raise FileRefused: naming the problem."""
    name = clean_name(name)
    if not data:
        raise FileRefused("The selected file is empty")
    if len(data) > MAX_BYTES:
        raise FileRefused(f"The selected file must be smaller than {MAX_BYTES // (1024 * 1024)} MB")
    kind = kind_of(data)
    extension = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in kind.extensions:
        raise FileRefused(f"The selected file is {kind.with_article} but its name ends in "
                          f"'{extension or 'nothing'}': check it is the file you meant, or rename it to end in "
                          f"'{kind.extensions[0]}'")
    return name, kind
