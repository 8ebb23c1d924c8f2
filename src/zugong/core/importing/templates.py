"""The import template of an importer: the header row of its national collection sheet, a notes
sheet (填写说明), drop-down lists for coded fields (from a hidden sheet of code names) and text
format for columns where Excel would damage the value (公民身份号码, codes, phone numbers).

The CLI (`zugong template NAME -o OUT.xlsx`) and the web page offer the same file.
"""

from __future__ import annotations

from pathlib import Path
from typing import IO

from django.utils.translation import gettext as _

from zugong.core import codes
from zugong.core.importing.pipeline import Column, Importer

TEXT_KINDS = {"id_number", "phone", "compact"}
DATA_ROWS = 5000  # rows that carry the drop-down lists and the text format
KIND_HELP = {
    "date": "日期,如2019-07-01、2019.7.1、2019年7月1日",
    "month": "日期,如2019-07-01;可只写年月,如2019.07",
    "bool": "填“是”或“否”",
    "id_number": "18位公民身份号码,末位可为X",
    "phone": "手机号码",
}


def _choices(column: Column) -> list[str]:
    if column.kind == "code":
        return [name for _code, name in codes.choices(column.table)]
    if column.kind == "choice":
        return [spellings[0] for _value, spellings in column.choices]
    if column.kind == "bool":
        return [_("是"), _("否")]
    return []


def build_template(importer_cls: type[Importer], path_or_file: str | Path | IO[bytes]) -> None:
    import xlsxwriter

    target = str(path_or_file) if isinstance(path_or_file, str | Path) else path_or_file
    workbook = xlsxwriter.Workbook(target, {"in_memory": True})
    header = workbook.add_format({"bold": True, "bg_color": "#F2DCDB", "border": 1, "text_wrap": True})
    required = workbook.add_format(
        {"bold": True, "bg_color": "#F2DCDB", "border": 1, "font_color": "#C00000", "text_wrap": True}
    )
    text = workbook.add_format({"num_format": "@"})
    date = workbook.add_format({"num_format": "yyyy-mm-dd"})
    wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
    bold = workbook.add_format({"bold": True})

    sheet = workbook.add_worksheet(str(importer_cls.title or importer_cls.name)[:31])
    notes = workbook.add_worksheet(_("填写说明"))
    lists = workbook.add_worksheet(_("代码表"))
    lists.hide()

    list_column = 0
    for index, column in enumerate(importer_cls.columns):
        label = ("*" if column.required else "") + column.label
        sheet.write_string(0, index, label, required if column.required else header)
        width = max(10, min(30, len(column.label) * 2 + 4))
        fmt = None
        if column.kind in TEXT_KINDS or column.kind == "code":
            fmt = text
        elif column.kind in {"date", "month"}:
            fmt = date
        if column.kind == "id_number":
            width = 22
        sheet.set_column(index, index, width, fmt)
        choices = _choices(column)
        if choices:
            lists.write_string(0, list_column, column.label)
            for n, choice in enumerate(choices, start=1):
                lists.write_string(n, list_column, choice)
            letter = xlsxwriter.utility.xl_col_to_name(list_column)
            source = f"='{lists.name}'!${letter}$2:${letter}${len(choices) + 1}"
            sheet.data_validation(
                1,
                index,
                DATA_ROWS,
                index,
                {
                    "validate": "list",
                    "source": source,
                    # Synonyms and codes are accepted too, so a typed value is not refused here.
                    "error_type": "information",
                    "error_title": column.label,
                    "error_message": _("不在下拉列表中的值,导入时会按代码表识别(可填名称、常用简称或代码)"),
                },
            )
            list_column += 1
    sheet.freeze_panes(1, 0)
    sheet.set_row(0, 30)

    notes.set_column(0, 0, 16)
    notes.set_column(1, 1, 8)
    notes.set_column(2, 2, 36)
    notes.set_column(3, 3, 50)
    notes.set_column(4, 4, 24)
    notes.write_string(0, 0, _("%(t)s导入说明") % {"t": importer_cls.title}, bold)
    row = 1
    for note in importer_cls.notes:
        notes.write_string(row, 0, "· " + str(note))
        row += 1
    row += 1
    for index, title in enumerate([_("列名"), _("必填"), _("也可写作"), _("说明"), _("示例")]):
        notes.write_string(row, index, title, header)
    for column in importer_cls.columns:
        row += 1
        help_text = column.help or KIND_HELP.get(column.kind, "")
        if column.kind == "code":
            help_text = (help_text + ";" if help_text else "") + _(
                "按代码表填写,可填名称、常用简称或代码(见下拉列表)"
            )
        notes.write_string(row, 0, column.label, wrap)
        notes.write_string(row, 1, _("是") if column.required else "", wrap)
        notes.write_string(row, 2, "、".join(column.synonyms), wrap)
        notes.write_string(row, 3, help_text, wrap)
        notes.write_string(row, 4, column.example, wrap)
    workbook.close()
