"""Reading a school's MIS export: the bytes of a CSV file into a header and rows of text, or a plain refusal."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass

import filetype

from app.problems import Refusal

MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 10_000
MAX_LINE_CHARS = 100_000

SAVE_AS_CSV = "Save it from Excel as 'CSV UTF-8 (Comma delimited)' and upload that file."
DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab"}

# Byte order marks of the text encodings Braid does not read; UTF-32 LE first, as it begins with UTF-16 LE's mark.
OTHER_UNICODE_MARKS = (
    (b"\xff\xfe\x00\x00", "UTF-32"),
    (b"\x00\x00\xfe\xff", "UTF-32"),
    (b"\xff\xfe", "UTF-16"),
    (b"\xfe\xff", "UTF-16"),
)
UTF8_MARK = b"\xef\xbb\xbf"
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # every file of the old binary Office formats

# What a file is, when its magic bytes say it is not text, and what to do instead.
OTHER_FORMATS = {
    "xlsx": f"The file is an Excel workbook (.xlsx), not a CSV file. {SAVE_AS_CSV}",
    "xls": f"The file is an old-style Excel workbook (.xls), not a CSV file. {SAVE_AS_CSV}",
    "ods": "The file is an OpenDocument spreadsheet (.ods), not a CSV file. "
    "Save it as 'Text CSV' with UTF-8 character set and upload that file.",
    "docx": "The file is a Word document, not a CSV file. Export the learners from your MIS as a CSV file.",
    "doc": "The file is a Word document, not a CSV file. Export the learners from your MIS as a CSV file.",
    "rtf": "The file is a Word (rich text) document, not a CSV file. Export the learners from your MIS as a CSV file.",
    "pdf": "The file is a PDF, not a CSV file: a PDF's table cannot be read back reliably. "
    f"Export the learners from your MIS as a CSV file, or open the export in Excel. {SAVE_AS_CSV}",
    "zip": "The file is a zip archive, not a CSV file. Unzip it and upload the CSV file inside it.",
}
IMAGE_MESSAGE = "The file is an image, not a CSV file. Export the learners from your MIS as a CSV file."
# Text-only signatures that name a format even when every byte is printable.
TEXT_FORMATS = {"pdf", "rtf"}


class ImportFileError(Refusal):
    """A file that cannot be read as a table at all: the message says why and what to do, never what a cell holds."""


@dataclass(frozen=True)
class TableRow:
    number: int  # the row's number as a spreadsheet shows it: the header is row 1, the first learner row 2
    cells: list[str]  # stripped of surrounding whitespace, padded with "" to the header's width


@dataclass(frozen=True)
class Table:
    header: list[str]
    rows: list[TableRow]  # blank lines (every cell empty) left out
    encoding: str  # "UTF-8", "UTF-8 with BOM" or "Windows-1252"
    delimiter: str  # ",", ";" or "\t"


def read_table(data: bytes) -> Table:
    """The header and learner rows of a CSV file.

    :raise ImportFileError: for a file that is empty, too large, not CSV, in an unknown encoding or malformed.
    """
    if not data.strip():
        raise ImportFileError("The file is empty. Export the learners from your MIS again and upload that file.")
    if len(data) > MAX_BYTES:
        raise ImportFileError(
            "The file is larger than 10 MB, more than a school's learner list needs. "
            "Export only the columns Braid uses (names, date of birth, UPN, year group, registration group, "
            "SEN status and needs), or split the file by year group."
        )
    refuse_other_formats(data)
    text, encoding = decode(data)
    delimiter = delimiter_of(text)
    header, rows = parse(text, delimiter)
    return Table(header=header, rows=rows, encoding=encoding, delimiter=delimiter)


def refuse_other_formats(data: bytes) -> None:
    """Refuse workbooks, PDFs, archives, images, UTF-16/32 text and other binary files, naming what they are."""
    for mark, name in OTHER_UNICODE_MARKS:
        if data.startswith(mark):
            raise ImportFileError(
                f"The file is saved as {name} text (Excel calls it 'Unicode Text'), which Braid does not read. "
                f"{SAVE_AS_CSV}"
            )
    binary = looks_binary(data)
    kind = filetype.guess(data)
    # Some signatures are ordinary letters ("BM" opens a bitmap and a header like "BMI,Name"): trust the guess only
    # when the bytes are binary too, or for the few text-based formats that have a signature of their own.
    if kind is not None and (binary or kind.extension in TEXT_FORMATS):
        if kind.extension in OTHER_FORMATS:
            raise ImportFileError(OTHER_FORMATS[kind.extension])
        if kind.mime.startswith("image/"):
            raise ImportFileError(IMAGE_MESSAGE)
        raise ImportFileError(
            f"The file is not a CSV file (it looks like a .{kind.extension} file). "
            "Export the learners from your MIS as a CSV file."
        )
    if data.startswith(OLE_SIGNATURE):
        raise ImportFileError(
            f"The file is an old-style Microsoft Office file (such as an .xls workbook), not a CSV file. {SAVE_AS_CSV}"
        )
    if b"\x00" in data:
        raise ImportFileError(
            "The file contains binary data, so it is not a CSV file (or it is saved as UTF-16 text). "
            f"{SAVE_AS_CSV}"
        )


def looks_binary(data: bytes) -> bool:
    """Control characters other than tab and line ends do not occur in a text export's first few kilobytes."""
    head = data[:4096]
    return any(byte < 0x20 and byte not in (0x09, 0x0A, 0x0C, 0x0D) for byte in head)


def decode(data: bytes) -> tuple[str, str]:
    """The text and the name of its encoding: UTF-8 (with or without a byte order mark), else Windows-1252."""
    if data.startswith(UTF8_MARK):
        try:
            return data[len(UTF8_MARK):].decode("utf-8"), "UTF-8 with BOM"
        except UnicodeDecodeError:
            raise unknown_encoding() from None
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "Windows-1252"
    except UnicodeDecodeError:
        raise unknown_encoding() from None


def unknown_encoding() -> ImportFileError:
    return ImportFileError(
        "Braid could not tell how the text in the file is encoded (it is neither UTF-8 nor Windows-1252). "
        f"{SAVE_AS_CSV}"
    )


def delimiter_of(text: str) -> str:
    """The comma, semicolon or tab that separates the header line's names (commas when there is one column)."""
    counts = dict.fromkeys(DELIMITERS, 0)
    quoted = False
    for char in text.lstrip("\r\n"):
        if char == '"':
            quoted = not quoted
        elif char in "\r\n" and not quoted:
            break
        elif char in counts and not quoted:
            counts[char] += 1
    best = max(counts, key=lambda delimiter: counts[delimiter])  # ties go to the first: the comma
    return best if counts[best] else ","


def parse(text: str, delimiter: str) -> tuple[list[str], list[TableRow]]:
    """The header and the non-blank rows, each numbered as a spreadsheet numbers it."""
    state = {"row": 1}  # the spreadsheet row being read: records lines to name in a refusal
    reader = csv.reader(guarded_lines(text, state), delimiter=delimiter, strict=True)
    header: list[str] | None = None
    rows: list[TableRow] = []
    try:
        for number, record in enumerate(reader, start=1):
            state["row"] = number + 1
            cells = [clean(cell) for cell in record]
            if not any(cells):
                continue
            if header is None:
                header = check_header(cells, number)
                continue
            rows.append(TableRow(number=number, cells=fit(cells, header, number, delimiter)))
            if len(rows) > MAX_ROWS:
                raise ImportFileError(
                    f"The file has more than {MAX_ROWS:,} learner rows, more than Braid imports at once. "
                    "Split it into smaller files, for example one for each year group."
                )
    except csv.Error as error:
        raise malformed(error, state["row"]) from None
    if header is None:
        raise ImportFileError("The file is empty. Export the learners from your MIS again and upload that file.")
    if not rows:
        raise ImportFileError(
            "The file has a header row but no learner rows. Export the learners from your MIS again, "
            "with one row for each learner below the header."
        )
    return header, rows


def guarded_lines(text: str, state: dict[str, int]) -> Iterator[str]:
    """The file's lines for the CSV reader, refusing one too long to be a learner's row."""
    for line in io.StringIO(text, newline=""):
        if len(line) > MAX_LINE_CHARS:
            raise ImportFileError(
                f"Row {state['row']} is longer than {MAX_LINE_CHARS:,} characters, too long for a learner's row. "
                "Check that the file is a list of learners exported from your MIS."
            )
        yield line


def malformed(error: csv.Error, row: int) -> ImportFileError:
    reason = str(error)
    if "end of data" in reason or "EOF" in reason:
        return ImportFileError(
            f"Row {row} has a quotation mark that is never closed, so the rest of the file cannot be read. "
            "Remove the stray quotation mark, or put the whole value in quotation marks and double any inside it."
        )
    if "expected after" in reason:
        return ImportFileError(
            f"Row {row} has a quotation mark in the middle of a value. "
            "Put the whole value in quotation marks and double any quotation mark inside it."
        )
    if "field larger" in reason:
        return ImportFileError(
            f"Row {row} has a value too long for a learner's row. "
            "Check that the file is a list of learners exported from your MIS."
        )
    return ImportFileError(f"Row {row} cannot be read as CSV. {SAVE_AS_CSV}")


def clean(cell: str) -> str:
    # A value typed over several lines keeps its line breaks, as "\n" whatever the file's line ends.
    return cell.replace("\r\n", "\n").strip()


def check_header(cells: list[str], number: int) -> list[str]:
    """The header row's names, refusing a column without a name or two columns with one name."""
    seen: dict[str, int] = {}
    for index, name in enumerate(cells):
        if not name:
            raise ImportFileError(
                f"Column {column_letter(index)} of the header row (row {number}) has no name. "
                "Give every column a name, or delete the empty column."
            )
        key = " ".join(name.casefold().split())
        if key in seen:
            raise ImportFileError(
                f"Columns {column_letter(seen[key])} and {column_letter(index)} of the header row (row {number}) "
                "have the same name. Give each column its own name, or delete one of them."
            )
        seen[key] = index
    return cells


def fit(cells: list[str], header: list[str], number: int, delimiter: str) -> list[str]:
    """The row's cells padded to the header's width; empty cells past the header's last column are dropped."""
    while len(cells) > len(header) and not cells[-1]:
        cells.pop()
    if len(cells) > len(header):
        raise ImportFileError(
            f"Row {number} has {len(cells)} values but the header has {len(header)} columns. "
            f"A value probably contains a {DELIMITERS[delimiter]} without quotation marks around it: "
            "export the file again from your MIS, or save it from Excel as 'CSV UTF-8 (Comma delimited)'."
        )
    return cells + [""] * (len(header) - len(cells))


def column_letter(index: int) -> str:
    """A 0-based column index as a spreadsheet names the column: 0 is A, 25 is Z, 26 is AA."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters
