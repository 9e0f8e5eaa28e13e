"""The deal's PDF documents: the deal notice (《网络竞价成交通知书》), the transaction
certificate (《交易凭证》) and the default contract template (《技术转让（专利权）合同》示范文本).

Chinese text is set in WenQuanYi Micro Hei (文泉驿微米黑, Apache-2.0 or GPLv3 with the font
exception), installed from PyPI by ``paperang-p2-fonts-cjk`` (pinned in pyproject.toml) and
embedded as a subset TrueType font, so a document shows the same on a machine or phone with
no Chinese font at all. ``DOCUMENT_FONT_PATH`` points at another TrueType file or collection
(for instance Debian's ``fonts-wqy-microhei``) if the package is unwanted.

The documents are built from plain frozen dataclasses the deals service fills from its
models, and are byte-for-byte reproducible (reportlab's ``invariant`` mode): the same data
always gives the same file.
"""

import io
import itertools
import os
import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import partial
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.graphics.barcode import qrencoder
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from kernel.clock import SHANGHAI

MARKET_NAME = "省技术产权交易市场"
CONTRACT_WORKING_DAYS = 5

CJK = "WenQuanYiMicroHei"
MONO = "WenQuanYiMicroHeiMono"


def _font_path() -> str:
    configured = os.environ.get("DOCUMENT_FONT_PATH")
    if configured:
        return configured
    import paperang_p2_fonts_cjk

    return str(Path(paperang_p2_fonts_cjk.__file__).parent / "fonts" / "wqy-microhei.ttc")


def _register_fonts() -> None:
    path = _font_path()
    # The collection's face 0 is the proportional font, face 1 its monospaced twin (hashes).
    pdfmetrics.registerFont(TTFont(CJK, path, subfontIndex=0))
    pdfmetrics.registerFont(TTFont(MONO, path, subfontIndex=1 if path.endswith(".ttc") else 0))


_register_fonts()

_HASH_RE = re.compile(r"[0-9a-f]{64}")


# -- inputs ------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class VerificationMark:
    """How a third party checks the document: its serial and code, and the page to do it."""

    serial: str
    code: str
    url: str  # the verification page with serial and code filled in (the QR code's content)


@dataclass(frozen=True, kw_only=True)
class SubjectItem:
    """One listing a deal sold: a package (专利包) has several, each listed on every
    document."""

    title: str
    type_label: str
    patent_number: str | None = None
    patent_type_label: str | None = None
    application_date: date | None = None
    grant_date: date | None = None
    rights_holders: str = ""


@dataclass(frozen=True, kw_only=True)
class LicenceInfo:
    """The licence a deal grants: how exclusive, its term and territory, and, for a lot
    sold as several non-exclusive licences, how many and which of them this deal is."""

    kind: str  # EXCLUSIVE, SOLE or NON_EXCLUSIVE
    kind_label: str
    term: str
    territory: str
    count: int = 1
    rank: int = 1


@dataclass(frozen=True, kw_only=True)
class DealNoticeData:
    """What the deal notice (《网络竞价成交通知书》) states."""

    serial: str
    issued_on: date
    listing_title: str
    listing_type_label: str
    patent_number: str | None
    season_name: str
    session_name: str
    buyer_name: str
    buyer_bidder_number: str
    seller_name: str
    final_price: Decimal
    deal_at: datetime
    contract_deadline: date
    # Counted over a year whose holiday schedule was not yet published (statutory holidays
    # only): the notice says so, and is reissued once the schedule is entered.
    contract_deadline_provisional: bool = False
    verification: VerificationMark | None = None
    market_name: str = MARKET_NAME
    items: tuple[SubjectItem, ...] = ()  # a package's listings (more than one)
    licence: LicenceInfo | None = None
    # won by a match under the priority purchase right (优先购买权, issue 14)
    under_priority_right: bool = False

    def __post_init__(self):
        _require_aware(self.deal_at)
        _cents(self.final_price)


@dataclass(frozen=True, kw_only=True)
class CertificateData:
    """What the transaction certificate (《交易凭证》) states."""

    serial: str
    issued_on: date
    listing_title: str
    listing_type_label: str
    patent_number: str | None
    buyer_name: str
    seller_name: str
    final_price: Decimal
    deal_at: datetime
    contract_uploaded_on: date
    paid_on: date
    delivered_on: date
    bid_count: int
    bid_chain_head: str
    bid_chain_verified: bool
    verification: VerificationMark | None = None
    market_name: str = MARKET_NAME
    items: tuple[SubjectItem, ...] = ()
    licence: LicenceInfo | None = None

    def __post_init__(self):
        _require_aware(self.deal_at)
        _cents(self.final_price)
        if not _HASH_RE.fullmatch(self.bid_chain_head):
            raise ValueError("bid_chain_head must be 64 lowercase hex digits (SHA-256)")
        if self.bid_count < 0:
            raise ValueError("bid_count must not be negative")


# -- money and dates ---------------------------------------------------------------------

_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_SMALL_UNITS = ("", "拾", "佰", "仟")
_SECTION_UNITS = ("", "万", "亿")
_CAPITALS_LIMIT = 10**14  # cents: one 万亿 yuan, beyond the units above


def _cents(amount: Decimal | int) -> int:
    """``amount`` in whole fen; refuses floats, negatives and fractions of a fen."""
    if isinstance(amount, bool) or not isinstance(amount, Decimal | int):
        raise TypeError("amounts are Decimal (or int), never float")
    amount = Decimal(amount)
    if not amount.is_finite() or amount < 0:
        raise ValueError(f"not a payable amount: {amount}")
    cents = amount * 100
    if cents != cents.to_integral_value():
        raise ValueError(f"more than two decimal places: {amount}")
    if cents >= _CAPITALS_LIMIT:
        raise ValueError(f"amount too large: {amount}")
    return int(cents)


def format_yuan(amount: Decimal | int) -> str:
    """``Decimal("1234567")`` -> ``"¥1,234,567.00"``."""
    return f"¥{Decimal(_cents(amount)) / 100:,.2f}"


def amount_in_chinese_capitals(amount: Decimal | int) -> str:
    """The amount in Chinese capital numerals (人民币大写), without the "人民币" prefix.

    Follows the People's Bank of China rules for writing amounts on bills (《支付结算办法》
    附件一): ``整`` after ``元`` when there are no 角 or 分, none after 角 or 分; a ``零``
    for each run of zeros inside the number, none where 万 or 亿 or 元 already stands
    before the next non-zero digit; ``零`` between 元 and 分 when 角 is zero; a leading
    ``壹`` before 拾 (``壹拾元整``). Zero is ``零元整``.

    >>> amount_in_chinese_capitals(Decimal("1234567.89"))
    '壹佰贰拾叁万肆仟伍佰陆拾柒元捌角玖分'
    """
    cents = _cents(amount)
    if cents == 0:
        return "零元整"
    yuan, rest = divmod(cents, 100)
    jiao, fen = divmod(rest, 10)
    parts = []
    if yuan:
        parts.append(_integer_capitals(yuan) + "元")
    if jiao:
        parts.append(_DIGITS[jiao] + "角")
    elif fen and yuan:
        parts.append("零")
    if fen:
        parts.append(_DIGITS[fen] + "分")
    if not rest:
        parts.append("整")
    return "".join(parts)


def _integer_capitals(number: int) -> str:
    digits = str(number)
    out = []
    pending_zero = False
    section_has_digit = False
    for index, char in enumerate(digits):
        power = len(digits) - 1 - index
        digit = int(char)
        if digit:
            if pending_zero:
                out.append("零")
            out.append(_DIGITS[digit] + _SMALL_UNITS[power % 4])
            pending_zero = False
            section_has_digit = True
        else:
            pending_zero = True
        if power % 4 == 0:
            if power and section_has_digit:
                out.append(_SECTION_UNITS[power // 4])
                # 万 or 亿 stands in for a zero right after it: 壹拾万壹仟, not 壹拾万零壹仟.
                pending_zero = False
            section_has_digit = False
    return "".join(out)


def format_date(day: date) -> str:
    """``2026-03-05`` -> ``"2026年3月5日"``."""
    return f"{day.year}年{day.month}月{day.day}日"


def format_datetime(moment: datetime) -> str:
    """An aware datetime in Beijing time: ``"2026年3月5日 15:02:11（北京时间）"``."""
    _require_aware(moment)
    local = moment.astimezone(SHANGHAI)
    return f"{format_date(local)} {local:%H:%M:%S}（北京时间）"


def _require_aware(moment: datetime) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("deal_at must be an aware datetime")


# -- layout ------------------------------------------------------------------------------

_MARGIN = 22 * mm
_CONTENT_WIDTH = A4[0] - 2 * _MARGIN
_LABEL_WIDTH = 40 * mm

_TITLE = ParagraphStyle("title", fontName=CJK, fontSize=20, leading=28, alignment=TA_CENTER)
_SUBTITLE = ParagraphStyle("subtitle", fontName=CJK, fontSize=12, leading=18, alignment=TA_CENTER)
_SERIAL = ParagraphStyle("serial", fontName=CJK, fontSize=10.5, leading=16, alignment=TA_RIGHT)
_BODY = ParagraphStyle(
    "body",
    fontName=CJK,
    fontSize=11.5,
    leading=19,
    alignment=TA_JUSTIFY,
    wordWrap="CJK",
    firstLineIndent=24,
    spaceAfter=3,
)
_ADDRESSEE = ParagraphStyle("addressee", parent=_BODY, firstLineIndent=0)
_HEADING = ParagraphStyle(
    "heading",
    parent=_BODY,
    firstLineIndent=0,
    spaceBefore=6,
    spaceAfter=2,
    fontSize=12.5,
    keepWithNext=1,
)
_CELL = ParagraphStyle(
    "cell", fontName=CJK, fontSize=10.5, leading=14, alignment=TA_LEFT, wordWrap="CJK"
)
_LABEL = ParagraphStyle("label", parent=_CELL, alignment=TA_CENTER)
_SIGNATURE = ParagraphStyle("signature", parent=_CELL, leading=16, spaceBefore=12)
_ISSUER = ParagraphStyle("issuer", fontName=CJK, fontSize=12, leading=22, alignment=TA_RIGHT)
_NOTE = ParagraphStyle(
    "note", fontName=CJK, fontSize=9, leading=14, textColor=colors.HexColor("#555555")
)

_FIELD_TABLE_STYLE = TableStyle(
    [
        # a table sets each cell's font (Helvetica by default), even around paragraphs
        ("FONTNAME", (0, 0), (-1, -1), CJK),
        ("GRID", (0, 0), (-1, -1), 0.6, colors.black),
        ("BOX", (0, 0), (-1, -1), 1.2, colors.black),
        ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#F0F0F0")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
        ("LEFTPADDING", (0, 0), (-1, -1), 6),
        ("RIGHTPADDING", (0, 0), (-1, -1), 6),
    ]
)


class _NumberedCanvas(Canvas):
    """Holds every page until the end so each can say "第 x 页 / 共 y 页"."""

    def __init__(self, *args, header: str, footer: str, **kwargs):
        super().__init__(*args, **kwargs)
        self._header = header
        self._footer = footer
        self._pages = []

    def showPage(self):
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self):
        total = len(self._pages)
        for number, state in enumerate(self._pages, start=1):
            self.__dict__.update(state)
            self._decorate(number, total)
            super().showPage()
        super().save()

    def _decorate(self, number: int, total: int) -> None:
        width, height = A4
        self.saveState()
        self.setStrokeColor(colors.HexColor("#888888"))
        self.setFillColor(colors.HexColor("#555555"))
        self.setLineWidth(0.5)
        self.setFont(CJK, 9)
        self.drawString(_MARGIN, height - 15 * mm, self._header)
        self.line(_MARGIN, height - 17 * mm, width - _MARGIN, height - 17 * mm)
        self.line(_MARGIN, 17 * mm, width - _MARGIN, 17 * mm)
        self.drawString(_MARGIN, 12 * mm, self._footer)
        self.drawRightString(width - _MARGIN, 12 * mm, f"第 {number} 页 / 共 {total} 页")
        self.restoreState()


def _render(story: list, *, title: str, header: str, footer: str, author: str) -> bytes:
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=_MARGIN,
        rightMargin=_MARGIN,
        topMargin=_MARGIN,
        bottomMargin=_MARGIN,
        title=title,
        author=author,
        creator=author,
        subject=title,
        invariant=1,
        # reportlab starts every page in Helvetica, which would be the one font not embedded
        initialFontName=CJK,
    )
    document.build(story, canvasmaker=partial(_NumberedCanvas, header=header, footer=footer))
    return buffer.getvalue()


def _text(value: str) -> str:
    """User-supplied text, safe inside reportlab's paragraph markup."""
    return escape(value)


def _field_table(rows: list[tuple[str, str]]) -> Table:
    """A two-column table: label, value (values are paragraph markup, already escaped)."""
    table = Table(
        [[Paragraph(label, _LABEL), Paragraph(value, _CELL)] for label, value in rows],
        colWidths=[_LABEL_WIDTH, _CONTENT_WIDTH - _LABEL_WIDTH],
        hAlign="CENTER",
    )
    table.setStyle(_FIELD_TABLE_STYLE)
    return table


def _heading(title: str, serial: str) -> list:
    return [
        Paragraph(title, _TITLE),
        Spacer(1, 3 * mm),
        Paragraph(f"编号：{_text(serial)}", _SERIAL),
        Spacer(1, 4 * mm),
    ]


def _issuer(
    market_name: str,
    issued_on: date,
    *,
    closing: str | None = None,
    verification: VerificationMark | None = None,
) -> KeepTogether:
    """The market's name and the date at the bottom right over the seal area, never alone on
    a page; on its left the QR code and the serial and code that verify the document."""
    lines = [Paragraph(closing, _BODY)] if closing else []
    signed = [
        Paragraph(_text(market_name), _ISSUER),
        Paragraph(format_date(issued_on), _ISSUER),
        _SealArea(),
    ]
    if verification is None:
        return KeepTogether([*lines, Spacer(1, 8 * mm), *signed])
    side = 26 * mm
    drawing = QrCode(verification.url, side)
    check = [
        Paragraph(f"验证编号：{_text(verification.serial)}", _CELL),
        Paragraph(f"验证码：{_text(verification.code)}", _CELL),
        Paragraph("扫描左侧二维码，或访问下列网址输入验证编号和验证码，核验本文书真伪：", _NOTE),
        Paragraph(_text(verification.url.split("?")[0]), _NOTE),
    ]
    table = Table(
        [[drawing, check, signed]],
        colWidths=[side + 4 * mm, _CONTENT_WIDTH - side - 4 * mm - 62 * mm, 62 * mm],
    )
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), CJK),
                ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return KeepTogether([*lines, Spacer(1, 2 * mm), table])


class QrCode(Flowable):
    """A QR code drawn as one filled path: encoded once, and about 100 times faster than
    reportlab's QrCodeWidget drawing (which renders each module as a shape node)."""

    _QUIET_ZONE = 4  # modules of white border, as the standard asks

    def __init__(self, value: str, size: float):
        super().__init__()
        code = qrencoder.QRCode(None, qrencoder.QRErrorCorrectLevel.M)
        code.addData(value)
        code.make()
        self.value = value
        self._modules = code.modules
        self._size = size

    def wrap(self, available_width, available_height):
        return self._size, self._size

    def draw(self):
        count = len(self._modules)
        box = self._size / (count + 2 * self._QUIET_ZONE)
        canvas = self.canv
        path = canvas.beginPath()
        for row_index, row in enumerate(self._modules):
            y = self._size - (row_index + self._QUIET_ZONE + 1) * box
            column = 0
            for dark, run in itertools.groupby(bool(module) for module in row):
                length = len(list(run))
                if dark:
                    path.rect((column + self._QUIET_ZONE) * box, y, length * box, box)
                column += length
        canvas.saveState()
        canvas.setFillColor(colors.black)
        canvas.drawPath(path, stroke=0, fill=1)
        canvas.restoreState()


class _SealArea(Flowable):
    """Where the exchange's seal goes (盖章处): a dashed circle over the market's name and
    the date just above it, as a seal is stamped. Takes no room of its own."""

    _RADIUS = 16 * mm

    def wrap(self, available_width, available_height):
        self._width = available_width
        return available_width, 0

    def draw(self):
        x = self._width - 26 * mm
        y = 8 * mm
        canvas = self.canv
        canvas.saveState()
        canvas.setStrokeColor(colors.HexColor("#C00000"))
        canvas.setDash(3, 2)
        canvas.setLineWidth(0.8)
        canvas.circle(x, y, self._RADIUS)
        canvas.setFillColor(colors.HexColor("#C00000"))
        canvas.setFont(CJK, 8)
        canvas.drawCentredString(x, y + self._RADIUS - 6 * mm, "（盖章处）")
        canvas.restoreState()


def _subject_rows(
    *,
    title: str,
    type_label: str,
    patent_number: str | None,
    seller: str,
    items: tuple[SubjectItem, ...] = (),
    licence: LicenceInfo | None = None,
) -> list[tuple[str, str]]:
    rows = [("标的名称", _text(title))]
    if len(items) > 1:
        rows.append(("标的类型", f"{_text(type_label)}包（共{len(items)}项，整体成交）"))
        for number, item in enumerate(items, start=1):
            line = _text(item.title)
            if item.patent_number:
                line += f"<br/>专利号：{_text(item.patent_number)}"
            rows.append((f"标的{number}", line))
    else:
        rows.append(("标的类型", _text(type_label)))
        if patent_number:
            rows.append(("专利号", _text(patent_number)))
    rows.append(("委托人（卖方）", _text(seller)))
    if licence is not None:
        rows += [
            ("交易方式", f"专利实施许可（{_text(licence.kind_label)}）"),
            ("许可期限", _text(licence.term)),
            ("许可地域", _text(licence.territory)),
        ]
        if licence.count > 1:
            rows.append(
                ("许可份数", f"共{licence.count}份普通许可，本成交为出价第{licence.rank}名")
            )
    return rows


def _price_rows(price: Decimal) -> list[tuple[str, str]]:
    return [
        ("成交价（小写）", format_yuan(price)),
        ("成交价（大写）", f"人民币{amount_in_chinese_capitals(price)}"),
    ]


# -- the documents -----------------------------------------------------------------------


def _won(licence: LicenceInfo | None, *, under_priority_right: bool = False) -> str:
    if under_priority_right:
        return "依法行使优先购买权，以与最高有效报价相同的价格竞得下列标的"
    if licence is None or licence.count == 1:
        return "以最高有效报价竞得下列标的"
    return (
        f"以第{licence.rank}高的有效报价获得下列标的的普通许可（本标的共许可{licence.count}"
        "位出价最高的竞买人，各按其本人最高出价成交）"
    )


def deal_notice_pdf(data: DealNoticeData) -> bytes:
    """《网络竞价成交通知书》: the market tells the buyer they won the lot, at what price, and
    by which day the contract must be signed."""
    title = "网络竞价成交通知书"
    price = format_yuan(data.final_price)
    capitals = amount_in_chinese_capitals(data.final_price)
    deadline = format_date(data.contract_deadline)
    market = _text(data.market_name)
    provisional_mark = provisional_text = ""
    if data.contract_deadline_provisional:
        provisional_mark = "（暂定）"
        provisional_text = (
            f"因{data.contract_deadline.year}年国务院节假日安排尚未公布，该截止日暂按法定节假日"
            "推算（暂定），安排公布后以重新计算的截止日为准，如有变动将通知双方并更新本通知书。"
        )
    story = [
        *_heading(title, data.serial),
        Paragraph(f"{_text(data.buyer_name)}：", _ADDRESSEE),
        Paragraph(
            f"在{market}组织的{_text(data.season_name)}（{_text(data.session_name)}）网络竞价中，"
            f"您（竞买号：{_text(data.buyer_bidder_number)}）"
            f"{_won(data.licence, under_priority_right=data.under_priority_right)}，"
            f"成交价为{price}（人民币{capitals}）。成交结果如下表。",
            _BODY,
        ),
        Spacer(1, 2 * mm),
        _field_table(
            [
                *_subject_rows(
                    title=data.listing_title,
                    type_label=data.listing_type_label,
                    patent_number=data.patent_number,
                    seller=data.seller_name,
                    items=data.items,
                    licence=data.licence,
                ),
                ("买受人", _text(data.buyer_name)),
                ("竞买号", _text(data.buyer_bidder_number)),
                *([("竞得方式", "行使优先购买权")] if data.under_priority_right else []),
                ("拍卖季", _text(data.season_name)),
                ("竞价场次", _text(data.session_name)),
                *_price_rows(data.final_price),
                ("成交时间", format_datetime(data.deal_at)),
                ("合同签署截止日", f"{deadline}（含当日）{provisional_mark}"),
            ]
        ),
        Spacer(1, 4 * mm),
        Paragraph(
            f"一、买受人与委托人应在成交后{CONTRACT_WORKING_DAYS}个工作日内，即于{deadline}"
            "（含当日）前签署技术交易合同，合同具体内容由交易双方协商确认。工作日按国家法定"
            f"节假日及调休安排计算。{provisional_text}"
            "合同模板可在“在线竞拍 &gt; 我的竞拍 &gt; 交易记录”中下载。",
            _BODY,
        ),
        Paragraph(
            "二、合同签署后，请在线上平台上传合同，按合同约定自行结算成交价款，并上传付款凭证。",
            _BODY,
        ),
        Paragraph(
            f"三、买受人与委托人办理标的交割手续后，由买受人在线上确认交割；确认交割后，"
            f"{market}出具《交易凭证》。",
            _BODY,
        ),
        _issuer(
            data.market_name,
            data.issued_on,
            closing="特此通知。",
            verification=data.verification,
        ),
    ]
    return _render(
        story,
        title=title,
        header=f"{data.market_name}  网络竞价",
        footer=f"{title}  编号：{data.serial}",
        author=data.market_name,
    )


def certificate_pdf(data: CertificateData) -> bytes:
    """《交易凭证》: the deal is complete (contract, payment, delivery), with the bid log's
    hash-chain head so anyone can check the record the price came from."""
    title = "交易凭证"
    market = _text(data.market_name)
    head = data.bid_chain_head
    hash_markup = f'<font name="{MONO}" size="10">{head[:32]}<br/>{head[32:]}</font>'
    if data.bid_chain_verified:
        check = "已核验：本凭证出具时，出价记录哈希链逐条核验一致，记录完整、未被改动。"
    else:
        check = (
            '<font color="#B00000">未通过核验：本凭证出具时，出价记录哈希链核验不一致，'
            f"出价记录可能不完整或已被改动，请联系{market}核实。</font>"
        )
    story = [
        *_heading(title, data.serial),
        Paragraph(
            f"兹证明：下列标的经{market}网络竞价成交，买受人与委托人已签署技术交易合同、"
            "结算成交价款并完成标的交割，特出具本凭证。",
            _BODY,
        ),
        Spacer(1, 2 * mm),
        _field_table(
            [
                *_subject_rows(
                    title=data.listing_title,
                    type_label=data.listing_type_label,
                    patent_number=data.patent_number,
                    seller=data.seller_name,
                    items=data.items,
                    licence=data.licence,
                ),
                ("买受人", _text(data.buyer_name)),
                *_price_rows(data.final_price),
                ("成交时间", format_datetime(data.deal_at)),
                ("合同上传日期", format_date(data.contract_uploaded_on)),
                ("付款凭证上传日期", format_date(data.paid_on)),
                ("交割确认日期", format_date(data.delivered_on)),
                ("出价次数", f"{data.bid_count}次"),
                ("出价记录哈希<br/>（SHA-256 链头）", hash_markup),
                ("出价记录核验", check),
            ]
        ),
        Spacer(1, 4 * mm),
        Paragraph(
            "注：出价记录哈希为全部出价按顺序逐条链接后的 SHA-256 链头值，"
            "可据此核验出价记录是否完整、未被改动。",
            _NOTE,
        ),
        _issuer(data.market_name, data.issued_on, verification=data.verification),
    ]
    return _render(
        story,
        title=title,
        header=f"{data.market_name}  网络竞价",
        footer=f"{title}  编号：{data.serial}",
        author=data.market_name,
    )


_BLANK = "________"
_LONG_BLANK = "________________________"

TRANSFER = "TRANSFER"
LICENSE = "LICENSE"


@dataclass(frozen=True, kw_only=True)
class ContractFill:
    """A deal's data written into the contract template's blanks (the rest stay blank for
    the parties to agree on)."""

    deal_serial: str
    notice_serial: str
    listing_title: str
    patent_number: str | None
    patent_type_label: str | None
    application_date: date | None
    grant_date: date | None
    rights_holders: str
    buyer_name: str
    seller_name: str
    price: Decimal
    deal_at: datetime
    contract_deadline: date
    items: tuple[SubjectItem, ...] = ()
    licence: LicenceInfo | None = None

    def __post_init__(self):
        _require_aware(self.deal_at)
        _cents(self.price)


class _Blanks:
    """Each blank of the template: the deal's value underlined when there is one, else the
    line to write on."""

    def __init__(self, fill: ContractFill | None):
        self._fill = fill

    def _value(self, value, blank: str = _LONG_BLANK) -> str:
        if value in (None, ""):
            return blank
        return f"<u>{_text(str(value))}</u>"

    def value(self, value) -> str:
        """Any value of the deal's, underlined (a date written out), or the blank line."""
        if isinstance(value, date) and not isinstance(value, datetime):
            value = format_date(value)
        return self._value(value)

    @property
    def items(self) -> tuple[SubjectItem, ...]:
        return self._fill.items if self._fill else ()

    @property
    def licence(self) -> LicenceInfo | None:
        return self._fill.licence if self._fill else None

    def box(self, kind: str) -> str:
        """A licence kind's tick box: ticked for the deal's kind."""
        licence = self.licence
        return "■" if licence is not None and licence.kind == kind else "□"  # ■: the font has no ☑

    def __getattr__(self, name: str) -> str:
        fill = object.__getattribute__(self, "_fill")
        if fill is None:
            return _LONG_BLANK
        value = getattr(fill, name)
        if isinstance(value, date) and not isinstance(value, datetime):
            value = format_date(value)
        return self._value(value)

    @property
    def price_figures(self) -> str:
        fill = self._fill
        return self._value(f"{Decimal(_cents(fill.price)) / 100:,.2f}" if fill else None)

    @property
    def price_capitals(self) -> str:
        fill = self._fill
        return self._value(f"人民币{amount_in_chinese_capitals(fill.price)}" if fill else None)

    @property
    def contract_no(self) -> str:
        return self._value(f"{self._fill.deal_serial}-HT" if self._fill else None)

    @property
    def deal_date(self) -> str:
        fill = self._fill
        return self._value(format_date(fill.deal_at.astimezone(SHANGHAI)) if fill else None)


def _patent_lines(v: _Blanks) -> list[str]:
    items = v.items
    if len(items) > 1:
        lines = [f"本合同标的为专利包，共{len(items)}项专利，整体成交："]
        for number, item in enumerate(items, start=1):
            lines.append(
                f"（{number}）专利名称：{v.value(item.title)}；专利类型：{v.value(item.patent_type_label)}；"
                f"专利号：{v.value(item.patent_number)}；申请日：{v.value(item.application_date)}；"
                f"授权公告日：{v.value(item.grant_date)}；专利权人：{v.value(item.rights_holders)}；"
            )
        return lines
    return [
        f"1. 专利名称：{v.listing_title}；",
        f"2. 专利类型：{v.patent_type_label}（□发明  □实用新型  □外观设计）；"
        f"专利号：{v.patent_number}；",
        f"3. 申请日：{v.application_date}；授权公告日：{v.grant_date}；专利权有效期至：{_BLANK}；",
        f"4. 专利权人：{v.rights_holders}。",
    ]


def _transfer_articles(v: _Blanks) -> list[tuple[str, list[str]]]:
    return [
        (
            "第一条  转让标的",
            [
                "乙方将其依法享有的下列专利权转让给甲方：",
                *_patent_lines(v),
                f"5. 本合同签订前乙方实施或者许可他人实施本专利的情况：{_BLANK * 2}。",
                f"6. 已订立的专利实施许可合同在本合同生效后的处理方式：{_BLANK * 2}。",
            ],
        ),
        (
            "第二条  转让价款及支付",
            [
                "1. 本专利权转让价款即《网络竞价成交通知书》所载成交价，"
                f"为人民币（小写）¥{v.price_figures}元，（大写）{v.price_capitals}。"
                f"成交通知书编号：{v.notice_serial}；成交日期：{v.deal_date}。",
                f"2. 甲方应于本合同签订之日起{_BLANK}日内，以□一次性  □分期"
                f"（分期安排：{_BLANK * 2}）方式将上述价款支付至乙方下列账户：",
                f"户名：{_LONG_BLANK}",
                f"开户银行：{_LONG_BLANK}",
                f"账号：{_LONG_BLANK}",
                f"3. 乙方收到价款后{_BLANK}日内向甲方开具合法有效的发票。",
                "4. 价款由双方自行结算；付款后，甲方应在交易平台上传付款凭证。",
            ],
        ),
        (
            "第三条  专利权转移登记与技术资料交付",
            [
                f"1. 乙方应于收到全部价款之日起{_BLANK}日内，配合甲方向国家知识产权局办理专利权"
                f"转让登记（著录项目变更）手续，所需费用由{_BLANK}方承担。专利权的转让自国家知识"
                "产权局登记之日起生效。",
                f"2. 乙方应于{_BLANK}年{_BLANK}月{_BLANK}日前，以{_BLANK}方式向甲方交付下列技术"
                f"资料：{_LONG_BLANK}。",
                f"3. 乙方应向甲方提供必要的技术指导，内容及期限为：{_LONG_BLANK}。",
                "4. 双方办理完毕标的交割后，由甲方在交易平台确认交割。",
            ],
        ),
        (
            "第四条  权利保证",
            [
                "1. 乙方保证是本专利的合法权利人，有权转让本专利权；本专利权处于有效状态，"
                "不存在权属争议、质押、查封或者其他权利限制，并已按时缴纳专利年费至本合同"
                "签订之日。",
                "2. 本合同生效后，如第三方就本专利主张权利，由乙方负责处理并承担相应责任。",
                f"3. 本专利在转让登记前被宣告无效的，乙方应返还甲方已支付的价款{_BLANK}。",
            ],
        ),
        _confidentiality(),
        (
            "第六条  违约责任",
            [
                f"1. 甲方逾期支付价款的，每逾期一日，按应付未付金额的{_BLANK}‰向乙方支付违约金；"
                f"逾期超过{_BLANK}日的，乙方有权解除合同。",
                f"2. 乙方逾期办理转让登记或者交付技术资料的，每逾期一日，按已收价款的{_BLANK}‰向"
                f"甲方支付违约金；逾期超过{_BLANK}日的，甲方有权解除合同并要求返还已付价款。",
                f"3. 乙方违反第四条保证的，应赔偿甲方因此遭受的损失：{_LONG_BLANK}。",
                "4. 任何一方违反第五条保密义务的，应赔偿对方因此遭受的损失。",
            ],
        ),
        _disputes("第七条"),
        _closing("第八条"),
    ]


def _licence_articles(v: _Blanks) -> list[tuple[str, list[str]]]:
    return [
        (
            "第一条  许可标的",
            [
                "乙方许可甲方实施其依法享有的下列专利：",
                *_patent_lines(v),
                f"5. 本合同签订前乙方已许可他人实施本专利的情况：{_BLANK * 2}。",
            ],
        ),
        (
            "第二条  许可方式、期限与地域",
            [
                "1. 许可方式（择一勾选）：",
                f"{v.box('EXCLUSIVE')}独占许可：许可期限内，在许可地域内只有甲方可以实施本专利，"
                "乙方自己不实施，也不许可第三方实施；",
                f"{v.box('SOLE')}排他许可：许可期限内，在许可地域内乙方不再许可第三方实施本专利，"
                "但乙方自己可以实施；",
                f"{v.box('NON_EXCLUSIVE')}普通许可：乙方在许可甲方实施本专利的同时，保留自己实施"
                "和许可第三方实施的权利。",
                _licence_term_line(v),
                f"3. 许可地域：{v.value(v.licence.territory) if v.licence else _LONG_BLANK}。",
                f"4. 实施方式：□制造  □使用  □许诺销售  □销售  □进口；产品范围：{_LONG_BLANK}。",
                f"5. 甲方□可以  □不可以再许可第三方实施本专利；再许可的条件：{_LONG_BLANK}。",
            ],
        ),
        (
            "第三条  许可使用费及支付",
            [
                "1. 本专利实施许可使用费即《网络竞价成交通知书》所载成交价，"
                f"为人民币（小写）¥{v.price_figures}元，（大写）{v.price_capitals}。"
                f"成交通知书编号：{v.notice_serial}；成交日期：{v.deal_date}。",
                f"2. 甲方应于本合同签订之日起{_BLANK}日内，以□一次性  □分期"
                f"（分期安排：{_BLANK * 2}）方式将上述费用支付至乙方下列账户：",
                f"户名：{_LONG_BLANK}",
                f"开户银行：{_LONG_BLANK}",
                f"账号：{_LONG_BLANK}",
                f"3. 乙方收到费用后{_BLANK}日内向甲方开具合法有效的发票。",
                "4. 费用由双方自行结算；付款后，甲方应在交易平台上传付款凭证。",
            ],
        ),
        (
            "第四条  技术资料、技术指导与合同备案",
            [
                f"1. 乙方应于{_BLANK}年{_BLANK}月{_BLANK}日前，以{_BLANK}方式向甲方交付实施本专利"
                f"所需的技术资料：{_LONG_BLANK}。",
                f"2. 乙方应向甲方提供必要的技术指导，内容及期限为：{_LONG_BLANK}。",
                "3. 双方应自本合同生效之日起3个月内向国家知识产权局办理专利实施许可合同备案，"
                f"所需费用由{_BLANK}方承担。",
                "4. 双方办理完毕标的交割后，由甲方在交易平台确认交割。",
            ],
        ),
        (
            "第五条  权利保证与专利维持",
            [
                "1. 乙方保证是本专利的合法权利人，有权许可甲方实施本专利；本专利处于有效状态，"
                "不存在权属争议、质押、查封或者与本合同许可方式相冲突的在先许可。",
                "2. 许可期限内，乙方应按时缴纳专利年费，维持本专利有效；本专利被宣告无效或者"
                f"终止的，乙方应按{_BLANK}返还甲方已支付的费用。",
                "3. 许可期限内，如第三方就本专利主张权利，由乙方负责处理并承担相应责任；"
                "甲方发现第三方侵犯本专利权的，应及时通知乙方。",
            ],
        ),
        _confidentiality("第六条"),
        (
            "第七条  违约责任",
            [
                f"1. 甲方逾期支付费用的，每逾期一日，按应付未付金额的{_BLANK}‰向乙方支付违约金；"
                f"逾期超过{_BLANK}日的，乙方有权解除合同。",
                "2. 甲方超出许可方式、期限、地域或者实施方式实施本专利，或者未经许可再许可"
                f"第三方实施的，应赔偿乙方因此遭受的损失：{_LONG_BLANK}。",
                "3. 乙方违反第二条约定的许可方式（如独占或排他许可期间另行许可第三方）或者违反"
                f"第五条保证的，应赔偿甲方因此遭受的损失：{_LONG_BLANK}。",
                "4. 任何一方违反保密义务的，应赔偿对方因此遭受的损失。",
            ],
        ),
        _disputes("第八条"),
        _closing("第九条"),
    ]


def _licence_term_line(v: _Blanks) -> str:
    if v.licence is None:
        return (
            f"2. 许可期限：自{_BLANK}年{_BLANK}月{_BLANK}日至{_BLANK}年{_BLANK}月{_BLANK}日，"
            "且不超过本专利权的有效期限。"
        )
    return f"2. 许可期限：{v.value(v.licence.term)}，且不超过本专利权的有效期限。"


def _confidentiality(number: str = "第五条") -> tuple[str, list[str]]:
    return (
        f"{number}  保密",
        [
            f"双方对履行本合同过程中知悉的对方技术秘密和商业秘密负有保密义务，保密期限为"
            f"{_BLANK}年，自本合同签订之日起计算。保密范围：{_LONG_BLANK}。",
        ],
    )


def _disputes(number: str) -> tuple[str, list[str]]:
    return (
        f"{number}  争议解决",
        [
            "因本合同发生的争议，双方应协商解决；协商不成的，按下列第____种方式解决：",
            f"（1）提交{_LONG_BLANK}仲裁委员会仲裁；",
            f"（2）向{_LONG_BLANK}人民法院提起诉讼。",
        ],
    )


def _closing(number: str) -> tuple[str, list[str]]:
    return (
        f"{number}  其他",
        [
            f"1. 本合同一式{_BLANK}份，甲乙双方各执{_BLANK}份，具有同等法律效力；合同签署后"
            "由甲方在交易平台上传一份。",
            "2. 本合同自双方签字并盖章之日起成立，自成立之日起生效。",
            f"3. 未尽事宜，双方可另行签订补充协议。附件：{_LONG_BLANK}。",
        ],
    )


_CONTRACTS = {
    TRANSFER: ("技术转让（专利权）合同", "受让方", "让与方", "专利权的转让", _transfer_articles),
    LICENSE: ("专利实施许可合同", "被许可方", "许可方", "专利的实施许可", _licence_articles),
}


def contract_template_pdf(kind: str = TRANSFER, fill: ContractFill | None = None) -> bytes:
    """The platform's default contract for a transfer (《技术转让（专利权）合同》) or a licence
    (《专利实施许可合同》: exclusive, sole or non-exclusive, term, territory): a skeleton
    with blanks the parties fill in and may amend by agreement, or, with ``fill``, the same
    with the deal's parties, patent, price and dates already written in."""
    title, buyer_role, seller_role, subject, articles = _CONTRACTS[kind]
    v = _Blanks(fill)
    subtitle = f"（示范文本 · 成交{_text(fill.deal_serial)}）" if fill else "（示范文本）"
    deadline = (
        f"{v.contract_deadline}前（含当日，成交后{CONTRACT_WORKING_DAYS}个工作日内）"
        if fill
        else f"{_BLANK}年{_BLANK}月{_BLANK}日"
    )
    story = [
        Paragraph(title, _TITLE),
        Paragraph(subtitle, _SUBTITLE),
        Spacer(1, 6 * mm),
        _field_table(
            [
                ("合同编号", v.contract_no),
                ("项目名称", v.listing_title),
                (f"{buyer_role}（甲方）", v.buyer_name),
                (f"{seller_role}（乙方）", v.seller_name),
                ("签订地点", _LONG_BLANK),
                ("签订日期", deadline),
                ("有效期限", f"自{_BLANK}年{_BLANK}月{_BLANK}日至{_BLANK}年{_BLANK}月{_BLANK}日"),
            ]
        ),
        Spacer(1, 4 * mm),
        Paragraph(
            f"填写说明：本文本为{MARKET_NAME}提供的示范文本，供网络竞价成交的买受人（甲方）与"
            "委托人（乙方）参考使用；具体合同内容由双方协商确认，可对条款进行修改、补充或删减。"
            "“□”处请勾选，“____”处请填写，不适用的填写“无”"
            + ("；下划线内容由平台按成交记录填写，请核对。" if fill else "。"),
            _NOTE,
        ),
        Spacer(1, 4 * mm),
        Paragraph(
            "根据《中华人民共和国民法典》《中华人民共和国专利法》及相关法律法规的规定，"
            f"经{MARKET_NAME}网络竞价成交，甲乙双方在平等、自愿的基础上，就下列{subject}"
            "协商一致，订立本合同，共同遵守。",
            _BODY,
        ),
    ]
    for heading, clauses in articles(v):
        story.append(Paragraph(heading, _HEADING))
        story.extend(Paragraph(clause, _BODY) for clause in clauses)
    story.append(Spacer(1, 8 * mm))
    story.append(
        _signature_table(
            (f"甲方（{buyer_role}）", fill.buyer_name if fill else ""),
            (f"乙方（{seller_role}）", fill.seller_name if fill else ""),
        )
    )
    return _render(
        story,
        title=f"{title}（示范文本）",
        header=f"{MARKET_NAME}  示范文本",
        footer=f"{title}（示范文本）" + (f"  成交编号：{fill.deal_serial}" if fill else ""),
        author=MARKET_NAME,
    )


def _signature_table(*parties: tuple[str, str]) -> KeepTogether:
    def column(party: str, name: str) -> list:
        lines = [
            f"名称（盖章）：{_text(name)}",
            "法定代表人或<br/>委托代理人（签字）：",
            "地址：",
            "联系电话：",
            f"日期：{_BLANK}年{_BLANK}月{_BLANK}日",
        ]
        return [Paragraph(party, _HEADING)] + [Paragraph(line, _SIGNATURE) for line in lines]

    half = _CONTENT_WIDTH / 2
    table = Table([[column(*party) for party in parties]], colWidths=[half, half])
    table.setStyle(
        TableStyle(
            [
                ("BOX", (0, 0), (-1, -1), 0.6, colors.black),
                ("LINEAFTER", (0, 0), (0, -1), 0.6, colors.black),
                ("FONTNAME", (0, 0), (-1, -1), CJK),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 6),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 10),
                ("LEFTPADDING", (0, 0), (-1, -1), 8),
                ("RIGHTPADDING", (0, 0), (-1, -1), 8),
            ]
        )
    )
    return KeepTogether([table])
