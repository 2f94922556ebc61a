"""Reading an MIS export's bytes: the files refused (with where and why) and the CSV dialects read."""
from __future__ import annotations

import io
import zipfile

import pytest

from app.cases.mis_import.reading import (
    MAX_BYTES,
    MAX_LINE_CHARS,
    MAX_ROWS,
    ImportFileError,
    Table,
    TableRow,
    column_letter,
    read_table,
)
from app.problems import Refusal

HEADER = b"UPN,Legal Forename,Legal Surname,DOB\r\n"
ROW = b"C801200001015,Maya,Carter,14/05/2018\r\n"


def xlsx() -> bytes:
    """A real (minimal) Excel workbook: a zip whose first entry is [Content_Types].xml, then the xl/ parts."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as workbook:
        workbook.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Override PartName="/xl/workbook.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>',
        )
        workbook.writestr("_rels/.rels", '<?xml version="1.0" encoding="UTF-8"?><Relationships/>')
        workbook.writestr("xl/workbook.xml", '<?xml version="1.0" encoding="UTF-8"?><workbook/>')
        workbook.writestr("xl/worksheets/sheet1.xml", '<?xml version="1.0" encoding="UTF-8"?><worksheet/>')
    return buffer.getvalue()


def plain_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("learners.csv", (HEADER + ROW).decode())
    return buffer.getvalue()


def ole(subtype: bytes = b"") -> bytes:
    """The compound file signature every old-style Office file (.xls, .doc) starts with."""
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + subtype + b"\x00" * 2048


def png() -> bytes:
    return b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00" + b"\x00" * 64


def rows(count: int) -> bytes:
    return HEADER + ROW * count


MALFORMED = [
    ("empty", b"", ["The file is empty"]),
    ("only blank lines", b"\r\n\r\n  \n", ["The file is empty"]),
    ("only a byte order mark", b"\xef\xbb\xbf", ["The file is empty"]),
    ("header only", HEADER, ["header row but no learner rows"]),
    ("header and blank rows", HEADER + b",,,\r\n\r\n", ["header row but no learner rows"]),
    ("xlsx workbook", xlsx(), ["Excel workbook (.xlsx)", "CSV UTF-8 (Comma delimited)"]),
    ("old xls workbook", ole(b"\x09\x08\x10\x00\x00\x06\x05\x00"), ["Excel workbook (.xls)", "CSV UTF-8"]),
    ("bare OLE signature", ole(), ["old-style Microsoft Office file", "CSV UTF-8"]),
    ("pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n", ["is a PDF"]),
    ("zip archive", plain_zip(), ["zip archive", "Unzip it"]),
    ("png image", png(), ["is an image"]),
    ("jpeg image", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01" + b"\x00" * 64, ["is an image"]),
    ("gif image", b"GIF89a\x01\x00\x01\x00\x80\x00\x00" + b"\x00" * 32, ["is an image"]),
    ("NUL byte", HEADER + b"C801200001015,Ma\x00ya,Carter,14/05/2018\r\n", ["binary data"]),
    ("UTF-16 LE with BOM", "\ufeffUPN,Name\r\nC1,Maya\r\n".encode("utf-16-le"), ["UTF-16", "CSV UTF-8"]),
    ("UTF-16 BE with BOM", "\ufeffUPN,Name\r\nC1,Maya\r\n".encode("utf-16-be"), ["UTF-16", "CSV UTF-8"]),
    ("UTF-32 LE with BOM", "\ufeffUPN,Name\r\n".encode("utf-32-le"), ["UTF-32", "CSV UTF-8"]),
    ("UTF-16 without BOM", "UPN,Name\r\nC1,Maya\r\n".encode("utf-16-le"), ["binary data"]),
    ("neither UTF-8 nor Windows-1252", HEADER + b"C801200001015,M\x81\x8dya,Carter,14/05/2018\r\n",
     ["neither UTF-8 nor Windows-1252", "CSV UTF-8"]),
    ("BOM then invalid UTF-8", b"\xef\xbb\xbf" + HEADER + b"C1,Zo\xeb,Carter,14/05/2018\r\n",
     ["neither UTF-8 nor Windows-1252"]),
    ("over 10 MB", b"a" * (MAX_BYTES + 1), ["larger than 10 MB"]),
    ("too many rows", rows(MAX_ROWS + 1), [f"more than {MAX_ROWS:,} learner rows"]),
    ("empty header cell", b"UPN,,Legal Surname,DOB\r\n" + ROW, ["Column B of the header row (row 1) has no name"]),
    ("empty last header cell", b"UPN,Legal Forename,Legal Surname,\r\n" + ROW,
     ["Column D of the header row (row 1) has no name"]),
    ("duplicated header", b"UPN,DOB,Legal Surname,dob\r\n" + ROW, ["Columns B and D of the header row (row 1)"]),
    ("row with too many cells", HEADER + ROW * 5 + b"C801200001015,Maya,Carter,14/05/2018,extra,more\r\n",
     ["Row 7 has 6 values but the header has 4 columns", "comma"]),
    ("semicolon row with too many cells", b"UPN;DOB\nC1;14/05/2018\nC2;01/01/2019;x\n",
     ["Row 3 has 3 values but the header has 2 columns", "semicolon"]),
    ("unclosed quote", HEADER + ROW + b'C801200001015,"Maya,Carter,14/05/2018\r\n' + ROW * 3,
     ["Row 3 has a quotation mark that is never closed"]),
    ("quote in the middle of a quoted value", HEADER + ROW + ROW + b'C1,"Ma"ya,Carter,14/05/2018\r\n',
     ["Row 4 has a quotation mark in the middle of a value"]),
    ("over-long line", HEADER + ROW + b"C1," + b"x" * MAX_LINE_CHARS + b",Carter,14/05/2018\r\n",
     [f"Row 3 is longer than {MAX_LINE_CHARS:,} characters"]),
    ("over-long quoted value over many lines", HEADER + b'C1,"' + b"x\n" * 70_000 + b'",Carter,14/05/2018\r\n',
     ["Row 2 has a value too long"]),
]


@pytest.mark.parametrize(("data", "fragments"), [case[1:] for case in MALFORMED], ids=[case[0] for case in MALFORMED])
def test_a_file_that_cannot_be_read_is_refused_saying_why(data, fragments):
    with pytest.raises(ImportFileError) as refused:
        read_table(data)
    for fragment in fragments:
        assert fragment in str(refused.value)


def test_the_refusal_is_a_refusal_the_views_can_show():
    with pytest.raises(Refusal):
        read_table(b"")


def test_a_refusal_never_repeats_what_a_cell_holds():
    secret = b"Wojciechowska-Secret"
    for data in (
        HEADER + ROW + b"C1,%s,Carter,14/05/2018,extra\r\n" % secret,
        HEADER + b'C1,"%s,Carter,14/05/2018\r\n' % secret,
        HEADER + b'C1,"%s"x,Carter,14/05/2018\r\n' % secret,
        b"UPN,%s,%s\r\n" % (secret, secret) + ROW,
    ):
        with pytest.raises(ImportFileError) as refused:
            read_table(data)
        assert secret.decode() not in str(refused.value)


def test_a_plain_comma_separated_file_is_read():
    table = read_table(HEADER + ROW + b"F801200002020,Leo,Nowak,02/11/2016\r\n")
    assert table == Table(
        header=["UPN", "Legal Forename", "Legal Surname", "DOB"],
        rows=[
            TableRow(number=2, cells=["C801200001015", "Maya", "Carter", "14/05/2018"]),
            TableRow(number=3, cells=["F801200002020", "Leo", "Nowak", "02/11/2016"]),
        ],
        encoding="UTF-8",
        delimiter=",",
    )


def test_the_byte_order_mark_is_stripped_from_the_first_column_name():
    table = read_table(b"\xef\xbb\xbf" + HEADER + ROW)
    assert table.encoding == "UTF-8 with BOM"
    assert table.header[0] == "UPN"


def test_windows_1252_is_decoded():
    table = read_table("Forename,Surname\r\nZoë,Schäfer\r\nSiobhán,O’Neill\r\n".encode("cp1252"))
    assert table.encoding == "Windows-1252"
    assert [row.cells for row in table.rows] == [["Zoë", "Schäfer"], ["Siobhán", "O’Neill"]]


def test_utf_8_is_preferred_when_the_bytes_are_valid_utf_8():
    table = read_table("Forename,Surname\nZoë,Wiśniewska\n".encode())
    assert table.encoding == "UTF-8"
    assert table.rows[0].cells == ["Zoë", "Wiśniewska"]


@pytest.mark.parametrize(
    ("data", "delimiter"),
    [
        (b"UPN;Forename;Surname\nC1;Maya;Carter\n", ";"),
        (b"UPN\tForename\tSurname\nC1\tMaya\tCarter\n", "\t"),
        (b"UPN,Forename,Surname\nC1,Maya,Carter\n", ","),
    ],
    ids=["semicolon", "tab", "comma"],
)
def test_the_delimiter_is_decided_from_the_header_line(data, delimiter):
    table = read_table(data)
    assert table.delimiter == delimiter
    assert table.rows[0].cells == ["C1", "Maya", "Carter"]


def test_commas_in_the_values_of_a_semicolon_file_stay_in_their_cell():
    table = read_table(b"Name;Reg Group\nCarter, Maya;3B\n")
    assert table.rows[0].cells == ["Carter, Maya", "3B"]


def test_a_quoted_delimiter_in_the_header_does_not_decide_the_delimiter():
    table = read_table(b'"Surname; Forename";DOB;Year\n"Carter; Maya";14/05/2018;3\n')
    assert table.delimiter == ";"
    assert table.header == ["Surname; Forename", "DOB", "Year"]


def test_a_one_column_file_is_read_as_commas():
    table = read_table(b"Name\nMaya Carter\n")
    assert (table.delimiter, table.header, table.rows[0].cells) == (",", ["Name"], ["Maya Carter"])


def test_excel_quoting_keeps_commas_doubled_quotes_and_newlines_in_one_cell():
    data = (b'Name,Primary Need,Notes\r\n"Carter, Maya","Social, Emotional and Mental Health",'
            b'"Says ""hi""\r\nto all"\r\nLeo Nowak,SpLD,\r\n')
    table = read_table(data)
    assert table.rows == [
        TableRow(number=2, cells=["Carter, Maya", "Social, Emotional and Mental Health", 'Says "hi"\nto all']),
        TableRow(number=3, cells=["Leo Nowak", "SpLD", ""]),
    ]


def test_a_row_after_a_value_over_several_lines_keeps_its_spreadsheet_number():
    table = read_table(b'Name,Notes\n"Maya Carter","one\ntwo\nthree"\nLeo Nowak,x\n')
    assert [row.number for row in table.rows] == [2, 3]


@pytest.mark.parametrize("line_end", [b"\r\n", b"\n", b"\r"], ids=["CRLF", "LF", "CR"])
def test_every_line_end_is_read(line_end):
    table = read_table(line_end.join([b"Forename,Surname", b"Maya,Carter", b"Leo,Nowak", b""]))
    assert [row.cells for row in table.rows] == [["Maya", "Carter"], ["Leo", "Nowak"]]
    assert [row.number for row in table.rows] == [2, 3]


def test_cells_are_stripped_and_short_rows_padded_to_the_header():
    table = read_table(b" UPN , Forename ,Surname,Year\n C1 ,  Maya  \n")
    assert table.header == ["UPN", "Forename", "Surname", "Year"]
    assert table.rows[0].cells == ["C1", "Maya", "", ""]


def test_empty_cells_past_the_last_column_are_not_too_many_values():
    table = read_table(b"Forename,Surname\nMaya,Carter,,\n")
    assert table.rows[0].cells == ["Maya", "Carter"]


def test_blank_lines_are_skipped_and_rows_keep_the_spreadsheet_numbers():
    data = b"Forename,Surname\r\n\r\nMaya,Carter\r\n,\r\n  ,  \r\nLeo,Nowak\r\n\r\n"
    table = read_table(data)
    assert [(row.number, row.cells) for row in table.rows] == [(3, ["Maya", "Carter"]), (6, ["Leo", "Nowak"])]


def test_a_refusal_names_the_spreadsheet_row_after_blank_lines():
    with pytest.raises(ImportFileError, match="Row 5 has 3 values"):
        read_table(b"Forename,Surname\n\nMaya,Carter\n\nLeo,Nowak,x\n")


@pytest.mark.parametrize("formula", ["=HYPERLINK(\"http://example.test\",\"x\")", "+44 7700 900123", "-1", "@SUM(A1)",
                                     "=1+1", "=cmd|' /C calc'!A0"])
def test_formula_looking_cells_are_kept_exactly_as_typed(formula):
    quoted = '"' + formula.replace('"', '""') + '"'
    table = read_table(f"Forename,Notes\nMaya,{quoted}\n".encode())
    assert table.rows[0].cells == ["Maya", formula]


def test_a_text_file_whose_first_letters_look_like_a_signature_is_still_read():
    # "BM" opens a bitmap and "ID3" an MP3: as text, the header is still a header.
    for header in (b"BMI,Forename\n", b"ID3,Forename\n"):
        table = read_table(header + b"1,Maya\n")
        assert table.rows[0].cells == ["1", "Maya"]


def test_a_file_of_the_largest_allowed_size_and_rows_is_read():
    table = read_table(rows(MAX_ROWS))
    assert len(table.rows) == MAX_ROWS
    assert table.rows[-1].number == MAX_ROWS + 1


@pytest.mark.parametrize(("index", "letter"), [(0, "A"), (1, "B"), (25, "Z"), (26, "AA"), (27, "AB"), (701, "ZZ"),
                                               (702, "AAA")])
def test_columns_are_named_by_letter_as_a_spreadsheet_names_them(index, letter):
    assert column_letter(index) == letter
