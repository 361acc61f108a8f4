"""The example recipients file of a process: one column per field, in order, and one example row.

phonenumbers and openpyxl are imported where they are used: this module is imported with the
process routes by the API function, which asks for an example file rarely (issue 18).
"""

from __future__ import annotations

import csv
import io

from dispatch.processes.models import FieldType, Process

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def example_value(kind: FieldType, region: str) -> str | int | bool:
    if kind is FieldType.phone:
        import phonenumbers

        number = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
        return (
            phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
            if number
            else "+14155550100"
        )
    examples: dict[FieldType, str | int | bool] = {
        FieldType.string: "Example",
        FieldType.number: 100,
        FieldType.date: "2026-01-31",
        FieldType.boolean: True,
        FieldType.email: "recipient@example.com",
    }
    return examples[kind]


def example_file(process: Process, file_format: str, region: str) -> tuple[bytes, str]:
    """The file's bytes and its media type (``csv`` or ``xlsx``)."""
    header = [field.name for field in process.fields]
    row = [example_value(field.type, region) for field in process.fields]
    if file_format == "xlsx":
        from openpyxl import Workbook

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("Recipients")
        sheet.append(header)
        sheet.append(row)  # strings stay text cells (a phone number is not a formula or a number)
        buffer = io.BytesIO()
        workbook.save(buffer)
        return buffer.getvalue(), XLSX_TYPE
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(header)
    writer.writerow(["true" if value is True else value for value in row])
    return text.getvalue().encode(), CSV_TYPE
