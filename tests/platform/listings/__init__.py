"""Workbooks for the batch-import tests, built from the downloadable template as a seller
would fill it in."""

import io
from datetime import date
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from listings.imports.columns import columns_for
from listings.imports.template import DATA_SHEET, build_template
from tests.factories import valid_patent_number

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def patent_row(n: int = 0, **overrides) -> dict:
    """A complete, valid patent row (by header), patent number ZL2021201xxxxx (utility
    models, so no clash with ListingFactory's inventions)."""
    row = {
        "专利名称": f"一种锂电池正极材料及其制备方法{n}",
        "专利号": valid_patent_number(f"2021201{n:05d}"),
        "专利类型": "实用新型",
        "申请日": date(2021, 6, 1),
        "授权日": date(2022, 3, 15),
        "法律状态": "有效（已授权）",
        "专利权人": "南京示范大学",
        "发明人": "张三；李四",
        "IPC分类号": "H01M 4/36",
        "技术领域": "新能源与节能",
        "摘要": "本实用新型提供一种高能量密度的锂电池正极材料。",
        "交易方式": "转让",
        "付款方式": "在线竞价",
        "起拍价（元）": Decimal("120000.00"),
    }
    row.update(overrides)
    return row


def achievement_row(n: int = 0, **overrides) -> dict:
    row = {
        "成果名称": f"高效光伏组件封装工艺{n}",
        "技术领域": "新能源与节能",
        "成果简介": "一种提高光伏组件寿命的封装工艺，已完成中试。",
        "权利人": "南京示范大学",
        "成熟度": "中试阶段",
        "团队介绍": "王教授团队",
        "交易方式": "许可",
        "付款方式": "在线竞价",
        "起拍价（元）": 50000,
    }
    row.update(overrides)
    return row


def workbook_bytes(type: str, rows: list[dict], *, start_row: int = 2) -> bytes:
    """The template of ``type`` with ``rows`` (header -> value) filled in from ``start_row``."""
    workbook = load_workbook(io.BytesIO(build_template(type)))
    sheet = workbook[DATA_SHEET]
    columns = columns_for(type)
    for offset, row in enumerate(rows):
        for index, column in enumerate(columns, start=1):
            sheet.cell(row=start_row + offset, column=index, value=row.get(column.header))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_upload(content: bytes, name: str = "专利批量导入.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=XLSX_TYPE)


def open_workbook(content: bytes):
    return load_workbook(io.BytesIO(content))
