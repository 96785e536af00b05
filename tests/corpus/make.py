"""Writes the bad-input corpus of this folder (run it to re-create the files; they are committed).

    python tests/corpus/make.py

Each file is one thing analysts' spreadsheets really hold. tests/test_corpus.py says what must
happen to each: a clear error naming file, row and column, or loaded exactly as data.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

HERE = Path(__file__).parent
CITIES = "name,country\n"
LINKS = "city_a,country_a,city_b,country_b,kind,since\n"


def text(name: str, content: str, encoding: str = "utf-8") -> None:
    (HERE / name).write_bytes(content.encode(encoding))


def raw(name: str, content: bytes) -> None:
    (HERE / name).write_bytes(content)


def xlsx(name: str, sheets: dict[str, list[list[object]]]) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    # a fixed timestamp in docProps/core.xml so the file is the same on every run
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                import re

                data = re.sub(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", b"2026-01-01T00:00:00Z", data)
            dst.writestr(zipfile.ZipInfo(info.filename, (2026, 1, 1, 0, 0, 0)), data)
    raw(name, out.getvalue())


def main() -> None:
    # -- malformed CSV ----------------------------------------------------------------------------
    text("unclosed_quote.csv", CITIES + '"Lyon,France\nKiel,Germany\n')
    text("ragged_rows.csv", CITIES + "Lyon,France\nKiel,Germany,extra,fields\n")
    text("duplicate_header.csv", "name,name,country\nLyon,Lyon,France\n")
    text("blank_header_cell.csv", "name,,country\nLyon,x,France\n")
    raw("binary_png.csv", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)
    raw("nul_bytes.csv", b"name,country\nLy\x00on,France\nKiel,Germ\x00any\n")
    raw("only_bom.csv", b"\xef\xbb\xbf")
    text("only_blank_lines.csv", "\n\n  \n\t\n")
    text("header_is_data.csv", "Lyon,France\nKiel,Germany\n")
    text("decimal_comma_population.csv", "name;country;population\nLyon;France;513.275\nKiel;Germany;246,6\n")
    text("fullwidth_digits_year.csv", "name,country,year_joined\nLyon,France,２０１５\n")
    text("tsv_with_quotes.tsv", 'name\tcountry\n"Lyon ""la belle"""\tFrance\n')
    text("bare_cr_line_ends.csv", "name,country\rLyon,France\rPorto,Portugal\r")  # classic Mac line ends
    text("name_and_Name.csv", "name,Name,country\nLyon,Lyon la belle,France\n")
    # -- encodings ------------------------------------------------------------------------------------
    text("windows_1252.csv", CITIES + "Düsseldorf,Germany\n“Málaga”,Spain\n", "cp1252")
    text("shift_jis.csv", CITIES + "岡山市,Japan\n八王子市,Japan\n", "shift_jis")
    text("utf16_le_no_bom.csv", CITIES + "Lyon,France\n", "utf-16-le")
    raw("mixed_encodings.csv", (CITIES + "Córdoba,Argentina\n").encode() + "Málaga,Spain\n".encode("latin-1"))
    # -- huge fields -----------------------------------------------------------------------------------
    text("huge_name.csv", CITIES + "L" + "y" * 100_000 + "on,France\n")
    text("huge_population.csv", "name,country,population\nLyon,France," + "9" * 400 + "\n")
    text(
        "wide_5000_columns.csv",
        "name,country,"
        + ",".join(f"c{i}" for i in range(5000))
        + "\n"
        + "Lyon,France,"
        + ",".join("x" for _ in range(5000))
        + "\n",
    )
    # -- injection strings: loaded as data, never executed -------------------------------------------------
    text(
        "formula_injection.csv",
        CITIES + '"=HYPERLINK(""http://evil.example"",""click"")",France\n'
        "+cmd|' /C calc'!A0,France\n-2+3,France\n@SUM(A1:A9),France\n\t=1+1,France\n",
    )
    text(
        "cypher_injection.csv",
        CITIES + '"\'}) DETACH DELETE n //",France\n"x` DETACH DELETE n //",France\n'
        '"MATCH (n) DETACH DELETE n",France\n"$name",France\n"{id: 1}) RETURN 1 //",France\n'
        '"\\u0027}) CALL db.clearQueryCaches() //",France\n',
    )
    text(
        "html_injection.csv",
        CITIES + '"<script>alert(1)</script>",France\n"<img src=x onerror=alert(1)>",France\n'
        '"</script><script>alert(2)</script>",France\n"{{7*7}} ${7*7}",France\n',
    )
    text("cypher_in_links.csv", LINKS + '"Kiel\'}) DETACH DELETE n //",Germany,Brest,France,twinning,1964\n')
    # -- control characters and mixed scripts -------------------------------------------------------------
    text("control_chars.csv", CITIES + "Ly\x07on,France\n\x1b[31mKiel\x1b[0m,Germany\nPor\u200bto,Portugal\n")
    text("bidi_override.csv", CITIES + "\u202eCork\u202c,Ireland\n")
    text(
        "mixed_scripts.csv", CITIES + "Москва,Russian Federation\nΑθήνα,Greece\nالقاهرة,Egypt\n서울,Republic of Korea\n"
    )
    text("homoglyph_name.csv", CITIES + "Kiеl,Germany\n")  # a Cyrillic е: not the Kiel of the graph
    text("na_like_names.csv", CITIES + "Nan,Thailand\nNone,Ireland\nNull,Germany\nN/A,France\n")
    # -- duplicate and contradictory rows ---------------------------------------------------------------------
    text("duplicate_rows.csv", "name,country,population\nLyon,France,513275\nLyon,France,513275\n")
    text("contradictory_rows.csv", "name,country,population\nLyon,France,513275\nLyon,France,999\n")
    text(
        "contradictory_links.csv",
        LINKS + "Kiel,Germany,Brest,France,twinning,1964\nBrest,France,Kiel,Germany,twinning,1965\n",
    )
    text("link_to_itself.csv", LINKS + "Kiel,Germany,Kiel,Germany,twinning,1964\n")
    text("unknown_country.csv", CITIES + "Lyon,Narnia\n")
    # -- malformed JSON ---------------------------------------------------------------------------------------
    text("truncated.json", '[{"name": "Lyon", "country": "France"}, {"name": "Ki')
    text("nested_values.json", json.dumps([{"name": {"en": "Lyon"}, "country": "France"}]))
    text("list_value.json", json.dumps([{"name": "Lyon", "country": "France", "population": [1, 2]}]))
    text("nan_population.json", '[{"name": "Lyon", "country": "France", "population": NaN}]')
    text("deep_nesting.json", "[" * 100_000 + "]" * 100_000)
    text("duplicate_keys.json", '[{"name": "Lyon", "name": "Kiel", "country": "France"}]')
    text("one_bad_line.jsonl", '{"name": "Lyon", "country": "France"}\n{"name": "Kiel", "country": \n')
    text("jsonl_not_objects.jsonl", '["Lyon", "France"]\n')
    text("lone_surrogate.json", '[{"name": "Ly\\ud800on", "country": "France"}]')
    text("huge_integer.json", '[{"name": "Lyon", "country": "France", "population": ' + "9" * 5000 + "}]")
    # U+2028 and U+2029 are valid inside JSON strings: not line ends of JSON Lines
    text(
        "line_separator_in_string.jsonl",
        '{"name": "Lyon", "country": "France", "notes": "one\u2028two"}\n'
        '{"name": "Porto\u2029", "country": "Portugal"}\n',
    )
    # -- malformed XLSX -------------------------------------------------------------------------------------------
    text("csv_renamed.xlsx", CITIES + "Lyon,France\n")
    raw("truncated.xlsx", b"PK\x03\x04" + b"\x00" * 64)
    zbuf = io.BytesIO()
    with zipfile.ZipFile(zbuf, "w") as z:
        z.writestr(zipfile.ZipInfo("hello.txt", (2026, 1, 1, 0, 0, 0)), "not a workbook")
    raw("zip_not_workbook.xlsx", zbuf.getvalue())
    xlsx("empty_sheets.xlsx", {"one": [], "two": [[None, None]]})
    xlsx("formula_strings.xlsx", {"cities": [["name", "country"], ['=HYPERLINK("http://evil.example")', "France"]]})
    xlsx("error_cell.xlsx", {"cities": [["name", "country", "population"], ["Lyon", "France", "#REF!"]]})
    # a formula written by a program that does not compute (openpyxl, pandas): no cached value to read
    xlsx("formula_without_value.xlsx", {"cities": [["name", "country", "population"], ["Lyon", "France", "=1000*513"]]})
    xlsx("numbers_as_names.xlsx", {"cities": [["name", "country", "population"], [1234, "France", 5.5]]})


if __name__ == "__main__":
    main()
