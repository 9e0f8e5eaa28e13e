"""The columns of each batch-import template, declared once: the template, the reader, the
row check and the result workbook all follow these lists.

A column has its Chinese header (marked ``*`` in the template when required), the listing
form field it fills (the ``field`` path that ``listing_validate`` names in its refusals,
e.g. ``patent.number``) and the parser that turns a cell into that field's value.
"""

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import cached_property

from django.db import models
from django.utils import translation
from django.utils.functional import Promise

from kernel.errors import CommonErrorCode, ErrorCode

from ..errors import ImportErrorCode
from ..models import (
    LegalStatus,
    ListingType,
    Maturity,
    PatentType,
    PaymentMethod,
    TechField,
    TransactionType,
)

REQUIRED_MARK = "*"
_LIST_SEPARATORS = re.compile(r"[；;、，,\n]+")
_SPACES = re.compile(r"\s+")
_DATE = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:\s+0{1,2}:00(?::00)?)?$"
)
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_AMOUNT_NOISE = re.compile(r"[\s,，元￥¥]")


class CellInvalid(Exception):
    """A cell that cannot be read as its column's kind of value."""

    def __init__(self, code: ErrorCode, **params) -> None:
        super().__init__(code.value)
        self.code = code
        self.params = params


def cell_text(value) -> str:
    """A cell's value as the text a person typed: 202110123456.0 typed into a number cell
    reads back as 202110123456, an integer-valued float loses its ``.0``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else str(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


class Parser:
    kind = ""  # for the instructions sheet
    number_format = "General"

    def parse(self, value):
        """The field value for a non-empty cell; raises CellInvalid."""
        raise NotImplementedError

    def read(self, value):
        """None for an empty cell, else ``parse``."""
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        return self.parse(value)

    def describe(self) -> str:
        return self.kind


@dataclass(frozen=True)
class Text(Parser):
    limit: int
    hint: str = ""
    number_format = "@"  # typed numbers stay text (a patent number keeps its check digit)

    def parse(self, value) -> str:
        return cell_text(value)

    def describe(self) -> str:
        return f"文本，最多{self.limit}字" + (f"；{self.hint}" if self.hint else "")


@dataclass(frozen=True)
class TextList(Parser):
    hint: str = ""
    number_format = "@"

    def parse(self, value) -> list[str]:
        return [part.strip() for part in _LIST_SEPARATORS.split(cell_text(value)) if part.strip()]

    def describe(self) -> str:
        text = "多项以“；”“、”或“,”分隔"
        return text + (f"；{self.hint}" if self.hint else "")


@dataclass(frozen=True)
class Day(Parser):
    number_format = "yyyy-mm-dd"

    def parse(self, value) -> date:
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)  # 20210301
        if isinstance(value, str):
            text = value.strip()
            match = _DATE.match(text) or _COMPACT_DATE.match(text)
            if match:
                try:
                    return date(*(int(part) for part in match.groups()))
                except ValueError:
                    pass
        raise CellInvalid(ImportErrorCode.CELL_DATE_INVALID)

    def describe(self) -> str:
        return "日期，如 2021-03-01（Excel 日期格式或文本均可）"


@dataclass(frozen=True)
class Amount(Parser):
    number_format = "0.00"

    def parse(self, value) -> Decimal:
        if isinstance(value, bool):
            raise CellInvalid(ImportErrorCode.CELL_NUMBER_INVALID)
        if isinstance(value, int):
            return Decimal(value)
        # repr: the shortest text that reads back as the float (0.1, not 0.1000000000000000055)
        text = repr(value) if isinstance(value, float) else _AMOUNT_NOISE.sub("", cell_text(value))
        try:
            amount = Decimal(text)
        except InvalidOperation as exc:
            raise CellInvalid(ImportErrorCode.CELL_NUMBER_INVALID) from exc
        if not amount.is_finite():
            raise CellInvalid(ImportErrorCode.CELL_NUMBER_INVALID)
        return amount

    def describe(self) -> str:
        return "金额（元），大于 0，最多两位小数"


def _choice_key(text: str) -> str:
    return _SPACES.sub("", text).replace("（", "(").replace("）", ")").upper()


@dataclass(frozen=True)
class Choice(Parser):
    """One of a model's TextChoices, written as its Chinese label (or its code)."""

    choices: type[models.TextChoices]

    @property
    def labels(self) -> list[str]:
        return [str(label) for label in self.choices.labels]

    def label_of(self, value: str) -> str:
        return str(self.choices(value).label) if value in self.choices.values else value

    def parse(self, value) -> str:
        key = _choice_key(cell_text(value))
        found = self._keys().get(key)
        if found is None:
            raise CellInvalid(ImportErrorCode.CELL_CHOICE_INVALID, allowed="、".join(self.labels))
        return found

    def _keys(self) -> dict[str, str]:
        """What a cell may say -> the choice: each label and code as ``parse`` compares
        them, the first choice winning as the loop over them did. Built once, not per cell
        (once per language if a label is translated)."""
        cache = self.__dict__.setdefault("_keys_cache", {})
        if "all" in cache:
            return cache["all"]
        lazy = any(isinstance(label, Promise) for label in self.choices.labels)
        language = translation.get_language() if lazy else "all"
        keys = cache.get(language)
        if keys is None:
            keys = {}
            for member in self.choices:
                keys.setdefault(_choice_key(str(member.label)), member.value)
                keys.setdefault(member.value.upper(), member.value)
            cache[language] = keys
        return keys

    def describe(self) -> str:
        return "从下拉列表选择：" + "、".join(self.labels)


@dataclass(frozen=True)
class Column:
    header: str  # without the required mark
    field: str  # the listing form path (camelCase, as in refusals), or a column of its own
    parser: Parser
    required: bool = False
    width: int = 16
    note: str = ""  # a condition or hint shown on the instructions sheet
    example: object = None
    in_form: bool = True  # False: checked here, but not a ListingForm field

    @property
    def heading(self) -> str:
        return f"{REQUIRED_MARK}{self.header}" if self.required else self.header

    @cached_property
    def path(self) -> tuple[str, ...]:
        """The ListingForm attribute path: ``patent.applicationDate`` -> (patent,
        application_date)."""
        return tuple(
            re.sub(r"(?<!^)([A-Z])", r"_\1", part).lower() for part in self.field.split(".")
        )

    def read(self, value):
        value = self.parser.read(value)
        if value is None and self.required and not self.in_form:
            # Form fields' completeness is listing_validate's to judge, with the same rules
            # as a single listing; this column has no form field, so it is checked here.
            raise CellInvalid(CommonErrorCode.REQUIRED)
        return value


def normalize_header(text) -> str:
    """A header cell as a column name: the required mark and all spaces dropped."""
    return _SPACES.sub("", cell_text(text)).lstrip(REQUIRED_MARK + "＊")


_COMMON_TAIL = (
    Column(
        "交易方式",
        "transactionType",
        Choice(TransactionType),
        required=True,
        width=12,
        example="转让",
    ),
    Column(
        "付款方式",
        "paymentMethod",
        Choice(PaymentMethod),
        required=True,
        width=12,
        note="选择在线竞价",
        example="在线竞价",
        in_form=False,
    ),
    Column(
        "起拍价（元）",
        "startPrice",
        Amount(),
        required=True,
        width=14,
        example=Decimal("120000.00"),
    ),
)

PATENT_COLUMNS: tuple[Column, ...] = (
    Column(
        "专利名称",
        "title",
        Text(200),
        required=True,
        width=36,
        example="一种锂电池正极材料及其制备方法",
    ),
    Column(
        "专利号",
        "patent.number",
        Text(20, hint="专利号或申请号，含校验位，如 ZL202110123456.7"),
        required=True,
        width=22,
        example="ZL202110123456.7",
    ),
    Column("专利类型", "patent.patentType", Choice(PatentType), required=True, example="发明专利"),
    Column(
        "申请日", "patent.applicationDate", Day(), required=True, width=14, example=date(2021, 6, 1)
    ),
    Column(
        "授权日",
        "patent.grantDate",
        Day(),
        width=14,
        note="法律状态为“有效（已授权）”时必填",
        example=date(2023, 8, 15),
    ),
    Column(
        "法律状态",
        "patent.legalStatus",
        Choice(LegalStatus),
        required=True,
        example="有效（已授权）",
    ),
    Column(
        "专利权人",
        "rightsHolders",
        TextList(hint="与店铺开通主体一致时权属为自有，否则为代理"),
        required=True,
        width=28,
        example="南京示范大学",
    ),
    Column("发明人", "patent.inventors", TextList(), required=True, width=20, example="张三；李四"),
    Column(
        "IPC分类号",
        "patent.ipcClasses",
        TextList(hint="如 H01M 4/36"),
        width=18,
        example="H01M 4/36",
    ),
    Column("技术领域", "field", Choice(TechField), required=True, width=18, example="新能源与节能"),
    Column(
        "摘要",
        "description",
        Text(5000),
        required=True,
        width=40,
        example="本发明提供一种高能量密度的锂电池正极材料。",
    ),
    *_COMMON_TAIL,
)

ACHIEVEMENT_COLUMNS: tuple[Column, ...] = (
    Column(
        "成果名称",
        "title",
        Text(200),
        required=True,
        width=36,
        example="高效光伏组件封装工艺",
    ),
    Column("技术领域", "field", Choice(TechField), required=True, width=18, example="新能源与节能"),
    Column(
        "成果简介",
        "description",
        Text(5000),
        required=True,
        width=40,
        example="一种提高光伏组件寿命的封装工艺，已完成中试。",
    ),
    Column(
        "权利人",
        "rightsHolders",
        TextList(hint="与店铺开通主体一致时权属为自有，否则为代理"),
        required=True,
        width=28,
        example="南京示范大学",
    ),
    Column("成熟度", "achievement.maturity", Choice(Maturity), required=True, example="中试阶段"),
    Column(
        "团队介绍",
        "achievement.team",
        Text(2000),
        width=30,
        example="王教授团队，从事光伏材料研究十余年。",
    ),
    *_COMMON_TAIL,
)

COLUMNS: dict[str, tuple[Column, ...]] = {
    ListingType.PATENT: PATENT_COLUMNS,
    ListingType.ACHIEVEMENT: ACHIEVEMENT_COLUMNS,
}
# The result workbook appends these; a corrected result workbook uploads as a template.
RESULT_HEADERS = ("导入结果", "问题说明")


def columns_for(type: str) -> tuple[Column, ...]:
    return COLUMNS[type]


def column_for_field(columns: tuple[Column, ...], field: str | None) -> Column | None:
    for column in columns:
        if column.field == field:
            return column
    return None


@dataclass(frozen=True)
class ColumnIndex:
    """Positions of a template's columns by field (the first column of a field, as
    ``column_for_field``) and by header: the row check looks columns up per cell and per
    error."""

    columns: tuple[Column, ...]
    by_field: dict[str, int]
    by_header: dict[str, int]


_INDEXES: dict[int, ColumnIndex] = {}


def column_index(columns: tuple[Column, ...]) -> ColumnIndex:
    """The index of ``columns``, built once per tuple (it holds the tuple, so the id it is
    filed under stays that tuple's; there are two, the templates')."""
    index = _INDEXES.get(id(columns))
    if index is None or index.columns is not columns:
        by_field: dict[str, int] = {}
        for position, column in enumerate(columns):
            by_field.setdefault(column.field, position)
        by_header = {column.header: position for position, column in enumerate(columns)}
        index = _INDEXES[id(columns)] = ColumnIndex(columns, by_field, by_header)
    return index
