"""The batch-import template: Chinese headers, required marks, dropdowns, instructions."""

import io

from openpyxl import load_workbook

from listings.imports.columns import ACHIEVEMENT_COLUMNS, PATENT_COLUMNS
from listings.imports.template import (
    DATA_SHEET,
    INSTRUCTIONS_SHEET,
    REQUIRED_FILL,
    build_template,
    template_file_name,
)

PATENT_HEADERS = [
    "*专利名称",
    "*专利号",
    "*专利类型",
    "*申请日",
    "授权日",
    "*法律状态",
    "*专利权人",
    "*发明人",
    "IPC分类号",
    "*技术领域",
    "*摘要",
    "*交易方式",
    "*付款方式",
    "*起拍价（元）",
]
ACHIEVEMENT_HEADERS = [
    "*成果名称",
    "*技术领域",
    "*成果简介",
    "*权利人",
    "*成熟度",
    "团队介绍",
    "*交易方式",
    "*付款方式",
    "*起拍价（元）",
]


def template(type):
    return load_workbook(io.BytesIO(build_template(type)))


def header(sheet):
    return [cell.value for cell in sheet[1]]


def validations_by_column(sheet):
    return {
        str(validation.sqref).split(":")[0].rstrip("0123456789"): validation
        for validation in sheet.data_validations.dataValidation
    }


def test_the_patent_template_has_the_chinese_headers_with_required_ones_marked():
    workbook = template("PATENT")

    assert workbook.sheetnames == [DATA_SHEET, INSTRUCTIONS_SHEET]
    sheet = workbook[DATA_SHEET]
    assert header(sheet) == PATENT_HEADERS
    assert sheet.max_row == 1
    assert sheet.freeze_panes == "A2"
    assert sheet["A1"].fill.fgColor.rgb == REQUIRED_FILL.fgColor.rgb == "00FCE4D6"
    assert sheet["E1"].fill.fgColor.rgb != sheet["A1"].fill.fgColor.rgb
    assert sheet["A1"].comment.text.startswith("必填。")
    assert sheet["E1"].comment.text == (
        "选填。日期，如 2021-03-01（Excel 日期格式或文本均可）；法律状态为“有效（已授权）”时必填"
    )


def test_the_achievement_template_has_its_own_headers():
    sheet = template("ACHIEVEMENT")[DATA_SHEET]

    assert header(sheet) == ACHIEVEMENT_HEADERS
    assert [column.heading for column in ACHIEVEMENT_COLUMNS] == ACHIEVEMENT_HEADERS


def test_choice_columns_have_dropdowns_of_the_chinese_labels(settings):
    sheet = template("PATENT")[DATA_SHEET]
    validations = validations_by_column(sheet)

    assert sorted(validations) == ["C", "F", "J", "L", "M", "N"]
    assert validations["C"].type == "list"
    assert validations["C"].formula1 == '"发明专利,实用新型,外观设计"'
    assert validations["F"].formula1 == (
        '"有效（已授权）,审中,其他,未缴年费终止,被宣告无效,期限届满,已转让,已质押"'
    )
    assert validations["L"].formula1 == '"转让,许可"'
    assert validations["M"].formula1 == '"在线竞价"'
    assert validations["C"].showErrorMessage is True
    assert str(validations["C"].sqref) == f"C2:C{settings.LISTING_IMPORT_MAX_ROWS + 1}"
    assert validations["N"].type == "decimal"
    assert (validations["N"].operator, validations["N"].formula1) == ("greaterThan", "0")


def test_text_columns_are_formatted_as_text_so_a_patent_number_keeps_its_check_digit():
    sheet = template("PATENT")[DATA_SHEET]

    assert sheet.column_dimensions["B"].number_format == "@"
    assert sheet.column_dimensions["D"].number_format == "yyyy-mm-dd"
    assert sheet.column_dimensions["A"].width == 36


def test_the_instructions_sheet_lists_every_column_with_its_rules_and_an_example(settings):
    settings.LISTING_IMPORT_MAX_ROWS = 5000
    sheet = template("PATENT")[INSTRUCTIONS_SHEET]
    rows = [tuple(cell.value for cell in row) for row in sheet.iter_rows()]
    first_four = [row[:4] for row in rows]

    assert rows[0][0] == "专利批量导入模板 填写说明"
    assert any("最多 5000 行数据，不超过 20 MB" in (row[0] or "") for row in rows)
    table = first_four.index(("列名", "是否必填", "填写要求", "可选值"))
    listed = first_four[table + 1 : table + 1 + len(PATENT_COLUMNS)]
    assert [row[0] for row in listed] == [column.header for column in PATENT_COLUMNS]
    assert listed[2] == (
        "专利类型",
        "必填",
        "从下拉列表选择：发明专利、实用新型、外观设计",
        "发明专利、实用新型、外观设计",
    )
    assert listed[4][1] == "法律状态为“有效（已授权）”时必填"
    assert listed[8][1] == "选填"
    example = first_four.index(("填写示例", None, None, None)) + 1
    assert list(rows[example][: len(PATENT_HEADERS)]) == PATENT_HEADERS
    assert rows[example + 1][1] == "ZL202110123456.7"


def test_the_template_file_names_are_chinese():
    assert template_file_name("PATENT") == "专利批量导入模板.xlsx"
    assert template_file_name("ACHIEVEMENT") == "技术成果批量导入模板.xlsx"
