"""The xlsx template a seller downloads, fills in and uploads (批量导入模板)."""

import io

from django.conf import settings
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from kernel.xlsx import protect_sheet

from ..models import ListingType
from .columns import Amount, Choice, Column, columns_for

DATA_SHEET = "导入数据"
INSTRUCTIONS_SHEET = "填写说明"
CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

REQUIRED_FILL = PatternFill("solid", fgColor="FCE4D6")
OPTIONAL_FILL = PatternFill("solid", fgColor="EDEDED")
HEADER_FONT = Font(bold=True)
REQUIRED_FONT = Font(bold=True, color="C00000")
_INLINE_LIST_LIMIT = 255  # Excel's limit for a list written into the validation itself


def template_file_name(type: str) -> str:
    return f"{ListingType(type).label}批量导入模板.xlsx"


def header_cell_style(cell, column: Column) -> None:
    cell.font = REQUIRED_FONT if column.required else HEADER_FONT
    cell.fill = REQUIRED_FILL if column.required else OPTIONAL_FILL
    cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)


def data_validations(columns: tuple[Column, ...], *, last_row: int) -> list[DataValidation]:
    """Dropdowns for the choice columns and a positive-amount check, rows 2..last_row."""
    validations = []
    for index, column in enumerate(columns, start=1):
        letter = get_column_letter(index)
        cells = f"{letter}2:{letter}{last_row}"
        if isinstance(column.parser, Choice):
            formula = '"' + ",".join(column.parser.labels) + '"'
            if len(formula) > _INLINE_LIST_LIMIT or any("," in x for x in column.parser.labels):
                raise ValueError(f"the choices of {column.header} do not fit an inline list")
            validation = DataValidation(
                type="list",
                formula1=formula,
                allow_blank=True,
                showErrorMessage=True,
                errorTitle=column.header,
                error=column.parser.describe(),
                showInputMessage=True,
                promptTitle=column.header,
                prompt="从下拉列表选择",
            )
        elif isinstance(column.parser, Amount):
            validation = DataValidation(
                type="decimal",
                operator="greaterThan",
                formula1="0",
                allow_blank=True,
                showErrorMessage=True,
                errorTitle=column.header,
                error=column.parser.describe(),
            )
        else:
            continue
        validation.add(cells)
        validations.append(validation)
    return validations


def format_data_sheet(ws, columns: tuple[Column, ...]) -> None:
    """Widths, cell formats, frozen header and validations; before any row is written (so a
    write-only sheet can use it too)."""
    for index, column in enumerate(columns, start=1):
        dimension = ws.column_dimensions[get_column_letter(index)]
        dimension.width = column.width
        dimension.number_format = column.parser.number_format
    ws.freeze_panes = "A2"
    last_row = settings.LISTING_IMPORT_MAX_ROWS + 1
    for validation in data_validations(columns, last_row=last_row):
        ws.data_validations.append(validation)


def build_template(type: str) -> bytes:
    """The template of ``type``: a data sheet with the headers, and the instructions."""
    columns = columns_for(type)
    workbook = Workbook()
    data = workbook.active
    data.title = DATA_SHEET
    format_data_sheet(data, columns)
    for index, column in enumerate(columns, start=1):
        cell = data.cell(row=1, column=index, value=column.heading)
        header_cell_style(cell, column)
        hint = column.parser.describe() + (f"；{column.note}" if column.note else "")
        cell.comment = Comment(("必填。" if column.required else "选填。") + hint, "填写说明")
    data.row_dimensions[1].height = 24
    _instructions(workbook.create_sheet(INSTRUCTIONS_SHEET), type, columns)
    for sheet in workbook.worksheets:
        protect_sheet(sheet)
    workbook.active = 0
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _instructions(ws, type: str, columns: tuple[Column, ...]) -> None:
    label = ListingType(type).label
    limit_mb = settings.LISTING_IMPORT_MAX_BYTES // (1024 * 1024)
    lines = [
        f"{label}批量导入模板 填写说明",
        "",
        f"1. 在“{DATA_SHEET}”工作表中每行填写一项{label}，第 1 行表头请勿修改、删除或调换。",
        f"2. 表头带 {'*'} 且标为红色的列为必填；下拉列的内容请从下拉列表中选择。",
        "3. 付款方式选择“在线竞价”，并填写起拍价（元）。",
        f"4. 每个文件最多 {settings.LISTING_IMPORT_MAX_ROWS} 行数据，不超过 {limit_mb} MB；"
        "请保存为 .xlsx 格式，不要使用含宏的工作簿。",
        "5. 上传后查看导入结果：有误的单元格在结果表格中标红并附批注，按说明修改后再次上传即可；"
        "同一文件中的重复项和已在审核或在售的项目会标为重复。",
        "6. 导入结果正确后点击上架；高校、科研院所、国有企业的自有"
        f"{label}可勾选加入专利（成果）拍卖季，代理的{label}不参加拍卖季。",
        "",
    ]
    for line in lines:
        ws.append([line])
    ws["A1"].font = Font(bold=True, size=14)

    header_row = ws.max_row + 1
    ws.append(["列名", "是否必填", "填写要求", "可选值"])
    for column in columns:
        choices = "、".join(column.parser.labels) if isinstance(column.parser, Choice) else ""
        required = "必填" if column.required else (column.note or "选填")
        ws.append([column.header, required, column.parser.describe(), choices])
    for cell in ws[header_row]:
        cell.font = HEADER_FONT
        cell.fill = OPTIONAL_FILL

    ws.append([])
    ws.append(["填写示例"])
    ws.cell(row=ws.max_row, column=1).font = HEADER_FONT
    example_row = ws.max_row + 1
    for offset, column in enumerate(columns):
        cell = ws.cell(row=example_row, column=offset + 1, value=column.heading)
        header_cell_style(cell, column)
        example = ws.cell(row=example_row + 1, column=offset + 1, value=column.example)
        example.number_format = column.parser.number_format
    widths = [max(14, column.width) for column in columns]
    widths[:4] = [max(widths[0], 16), max(widths[1], 12), max(widths[2], 60), max(widths[3], 40)]
    for index, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    for row in ws.iter_rows(min_row=header_row, max_row=header_row + len(columns)):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
