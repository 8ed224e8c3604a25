"""The workbooks of an import: the template (headers, frozen row, widths, drop-downs, a 说明 sheet with the format of
every column) and the error workbook (the user's rows again, with 错误说明 in front, so it can be fixed and uploaded
again)."""

import io
from collections import defaultdict

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.comments import Comment
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from ..exports import ERROR_FILL, ERROR_FONT, HEADER_FILL, HEADER_FONT, REQUIRED_FILL, WRAP, escape_cell, sheet_title
from .parsers import Number

ERROR_HEADER = gettext_lazy("错误说明")
OPTIONS_SHEET = "选项"


def template_workbook(importer):
    """Every text we write goes through escape_cell: headers and notes carry names users chose (a project stage
    named =cmd|' /C calc'!A0 would otherwise be written as a formula)."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = sheet_title(importer.sheet_title)
    options_sheet = None
    lists = 0
    max_row = settings.IMPORT_MAX_ROWS + 1
    explained = []
    for index, column in enumerate(importer.columns, start=1):
        letter = get_column_letter(index)
        cell = sheet.cell(row=1, column=index, value=escape_cell(str(column.header)))
        cell.font = HEADER_FONT
        cell.fill = REQUIRED_FILL if column.required else HEADER_FILL
        if column.help_text:
            cell.comment = Comment(str(column.help_text), "Kaifaqu", width=260, height=120)
        sheet.column_dimensions[letter].width = column.width
        sheet.column_dimensions[letter].number_format = column.parser.number_format
        options = column.template_options(importer)
        allowed = ""
        if options:
            if column.options_sheet:
                ref_sheet = workbook.create_sheet(title=column.options_sheet)
                ref_sheet.append([escape_cell(str(column.header)), str(_("名称"))])
                for value, note in options:
                    ref_sheet.append([escape_cell(value), escape_cell(note)])
                ref_sheet.freeze_panes = "A2"
                ref_sheet.column_dimensions["A"].width = 12
                ref_sheet.column_dimensions["B"].width = 50
                ref = f"{quote_sheetname(column.options_sheet)}!$A$2:$A${len(options) + 1}"
                allowed = _("见“%(sheet)s”工作表") % {"sheet": column.options_sheet}
            else:
                if options_sheet is None:
                    options_sheet = workbook.create_sheet(title=OPTIONS_SHEET)
                    options_sheet.sheet_state = "hidden"
                lists += 1
                options_column = get_column_letter(lists)
                options_sheet[f"{options_column}1"] = escape_cell(str(column.header))
                for offset, (value, _note) in enumerate(options, start=2):
                    options_sheet[f"{options_column}{offset}"] = escape_cell(value)
                ref = f"{quote_sheetname(OPTIONS_SHEET)}!${options_column}$2:${options_column}${len(options) + 1}"
                shown = [str(value) for value, _note in options]
                allowed = "、".join(shown[:30]) + ("…" if len(shown) > 30 else "")
            validation = DataValidation(type="list", formula1=ref, allow_blank=True, showDropDown=False)
            validation.error = _("请从下拉列表中选择")
            validation.errorTitle = str(column.header)
            validation.showErrorMessage = True
            sheet.add_data_validation(validation)
            validation.add(f"{letter}2:{letter}{max_row}")
        elif isinstance(column.parser, Number):
            validation = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True)
            validation.error = _("请填写不小于 0 的数字")
            validation.errorTitle = str(column.header)
            validation.showErrorMessage = True
            sheet.add_data_validation(validation)
            validation.add(f"{letter}2:{letter}{max_row}")
        explained.append((column, allowed))
    sheet.freeze_panes = "A2"
    explain_sheet(workbook, importer, explained)
    if options_sheet is not None:  # the hidden list sheet goes last
        workbook.move_sheet(options_sheet, offset=len(workbook.worksheets) - 1 - workbook.index(options_sheet))
    return workbook


def explain_sheet(workbook, importer, explained):
    sheet = workbook.create_sheet(title=str(_("说明")), index=1)
    sheet.column_dimensions["A"].width = 22
    sheet.column_dimensions["B"].width = 8
    sheet.column_dimensions["C"].width = 40
    sheet.column_dimensions["D"].width = 40
    sheet.column_dimensions["E"].width = 50
    sheet.column_dimensions["F"].width = 28
    sheet.append([str(_("填写说明"))])
    sheet["A1"].font = HEADER_FONT
    steps = [
        _("1. 在“%(sheet)s”工作表第 2 行起逐行填写，每行一条；请勿修改第一行表头。") % {"sheet": importer.sheet_title},
        _("2. 橙色表头为必填列；带下拉箭头的列请从列表中选择。"),
        _(
            "3. 上传后系统先校验全部数据并列出每个错误（行号、列、原因），全部无误后才能确认导入；"
            "导入要么全部成功，要么不写入任何数据。"
        ),
        _("4. 下方“示例”列和示例行仅为填写示例，不会被导入。"),
        *[f"• {p}" for p in importer.instructions],
    ]
    for line in steps:
        sheet.append([escape_cell(str(line))])
    sheet.append([])
    header = [_("列名"), _("必填"), _("格式"), _("可选值"), _("说明"), _("示例")]
    sheet.append([str(h) for h in header])
    for cell in sheet[sheet.max_row]:
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
    for column, allowed in explained:
        sheet.append(
            [
                escape_cell(str(column.header)),
                str(_("是")) if column.required else str(_("否")),
                escape_cell(column.parser.hint()),
                escape_cell(allowed),
                escape_cell(str(column.help_text)),
                escape_cell(str(column.example)),
            ]
        )
        for cell in sheet[sheet.max_row]:
            cell.alignment = WRAP
    sheet.append([])
    sheet.append(
        [escape_cell(str(_("示例行（仅供参考，请在“%(sheet)s”工作表填写）") % {"sheet": importer.sheet_title}))]
    )
    sheet.append([escape_cell(str(column.header)) for column, _allowed in explained])
    for cell in sheet[sheet.max_row]:
        cell.font = HEADER_FONT
    sheet.append([escape_cell(str(column.example)) for column, _allowed in explained])


def error_workbook(table, errors):
    by_row = defaultdict(list)
    for error in errors:
        prefix = f"【{error['column']}】" if error["column"] else ""
        by_row[error["row"]].append(prefix + error["message"])
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=str(_("错误说明")))
    sheet.freeze_panes = f"B{table.header_row + 1}" if table.header_row else "B2"
    sheet.column_dimensions["A"].width = 60
    previous = 0
    for number, cells in table.rows:
        for _gap in range(previous + 1, number):  # blank rows stay, so the row numbers match the user's file
            sheet.append([])
        previous = number
        messages = by_row.get(number)
        if number == table.header_row:
            first = WriteOnlyCell(sheet, value=str(ERROR_HEADER))
            first.font = HEADER_FONT
            first.fill = HEADER_FILL
            rest = []
            for value in cells:
                cell = WriteOnlyCell(sheet, value=escape_cell(value))
                cell.font = HEADER_FONT
                cell.fill = HEADER_FILL
                rest.append(cell)
            sheet.append([first, *rest])
            continue
        first = WriteOnlyCell(sheet, value=escape_cell("；".join(messages)) if messages else None)
        if messages:
            first.font = ERROR_FONT
            first.fill = ERROR_FILL
            first.alignment = WRAP
        sheet.append([first, *(escape_cell(value) for value in cells)])
    file_errors = by_row.get(None)
    if file_errors:
        sheet.append([escape_cell("；".join(file_errors))])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
