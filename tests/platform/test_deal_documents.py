"""The deal's PDFs (deal notice, transaction certificate, contract template) and the
amount in Chinese capital numerals they print."""

import io
import re
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from pdfminer.high_level import extract_pages, extract_text

from deals.documents import (
    LICENSE,
    TRANSFER,
    CertificateData,
    ContractFill,
    DealNoticeData,
    VerificationMark,
    amount_in_chinese_capitals,
    certificate_pdf,
    contract_template_pdf,
    deal_notice_pdf,
    format_yuan,
)

CHAIN_HEAD = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"


def pdf_text(pdf: bytes) -> str:
    """The PDF's text with all whitespace removed (lines wrap wherever the layout puts them)."""
    return "".join(extract_text(io.BytesIO(pdf)).split())


def page_count(pdf: bytes) -> int:
    return len(list(extract_pages(io.BytesIO(pdf))))


def notice_data(**changes) -> DealNoticeData:
    data = DealNoticeData(
        serial="JSJY-2026-000001",
        issued_on=date(2026, 3, 18),
        listing_title="一种基于深度学习的焊缝缺陷检测方法",
        listing_type_label="专利",
        patent_number="ZL202310123456.7",
        season_name="2026年专利（成果）拍卖季",
        session_name="第一场 智能制造专场",
        buyer_name="南京智焊科技有限公司",
        buyer_bidder_number="A0123",
        seller_name="东南大学",
        final_price=Decimal("1234567.00"),
        # 07:02:11 UTC is 15:02:11 in Shanghai
        deal_at=datetime(2026, 3, 18, 7, 2, 11, tzinfo=UTC),
        contract_deadline=date(2026, 3, 25),
    )
    return replace(data, **changes)


def certificate_data(**changes) -> CertificateData:
    data = CertificateData(
        serial="JSJY-2026-000001",
        issued_on=date(2026, 4, 20),
        listing_title="一种基于深度学习的焊缝缺陷检测方法",
        listing_type_label="专利",
        patent_number="ZL202310123456.7",
        buyer_name="南京智焊科技有限公司",
        seller_name="东南大学",
        final_price=Decimal("1234567.89"),
        deal_at=datetime(2026, 3, 18, 7, 2, 11, tzinfo=UTC),
        contract_uploaded_on=date(2026, 3, 24),
        paid_on=date(2026, 4, 1),
        delivered_on=date(2026, 4, 20),
        bid_count=37,
        bid_chain_head=CHAIN_HEAD,
        bid_chain_verified=True,
    )
    return replace(data, **changes)


# -- the amount in capitals --------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "capitals"),
    [
        ("0.00", "零元整"),
        ("1", "壹元整"),
        ("10", "壹拾元整"),
        ("12.30", "壹拾贰元叁角"),
        ("0.05", "伍分"),
        ("0.15", "壹角伍分"),
        ("1.05", "壹元零伍分"),
        ("1010", "壹仟零壹拾元整"),
        ("100000", "壹拾万元整"),
        ("100001", "壹拾万零壹元整"),
        ("101000", "壹拾万壹仟元整"),
        ("10000.10", "壹万元壹角"),
        ("20000.02", "贰万元零贰分"),
        ("1000000.5", "壹佰万元伍角"),
        ("1000100", "壹佰万零壹佰元整"),
        ("1234567", "壹佰贰拾叁万肆仟伍佰陆拾柒元整"),
        ("1234567.89", "壹佰贰拾叁万肆仟伍佰陆拾柒元捌角玖分"),
        ("100000000", "壹亿元整"),
        ("100010000", "壹亿零壹万元整"),
        ("100001000", "壹亿零壹仟元整"),
        ("1010000000", "壹拾亿壹仟万元整"),
        ("999999999999.99", "玖仟玖佰玖拾玖亿玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分"),
    ],
)
def test_amount_in_chinese_capitals(amount, capitals):
    assert amount_in_chinese_capitals(Decimal(amount)) == capitals


def test_an_int_amount_is_whole_yuan():
    assert amount_in_chinese_capitals(300) == "叁佰元整"


@pytest.mark.parametrize("amount", ["-1", "1.005", "NaN", "Infinity", "1000000000000"], ids=str)
def test_amounts_that_cannot_be_written_are_refused(amount):
    with pytest.raises(ValueError):
        amount_in_chinese_capitals(Decimal(amount))


def test_a_float_amount_is_refused():
    with pytest.raises(TypeError):
        amount_in_chinese_capitals(1.5)


@pytest.mark.parametrize(
    ("amount", "text"),
    [("1234567", "¥1,234,567.00"), ("0.5", "¥0.50"), ("1000.05", "¥1,000.05")],
)
def test_format_yuan(amount, text):
    assert format_yuan(Decimal(amount)) == text


# -- the deal notice ---------------------------------------------------------------------


def test_deal_notice_states_the_deal_and_the_contract_deadline():
    pdf = deal_notice_pdf(notice_data())

    assert pdf.startswith(b"%PDF")
    assert page_count(pdf) == 1
    text = pdf_text(pdf)
    for expected in [
        "网络竞价成交通知书",
        "编号：JSJY-2026-000001",
        "南京智焊科技有限公司",
        "A0123",
        "东南大学",
        "一种基于深度学习的焊缝缺陷检测方法",
        "ZL202310123456.7",
        "2026年专利（成果）拍卖季",
        "智能制造专场",
        "网络竞价",
        "¥1,234,567.00",
        "人民币壹佰贰拾叁万肆仟伍佰陆拾柒元整",
        "2026年3月18日15:02:11（北京时间）",
        "5个工作日内，即于2026年3月25日（含当日）前",
        "合同签署截止日2026年3月25日",
        "技术交易合同",
        "省技术产权交易市场",
        "第1页/共1页",
    ]:
        assert expected in text, expected


def test_deal_notice_shows_the_deal_time_in_shanghai_across_midnight():
    pdf = deal_notice_pdf(notice_data(deal_at=datetime(2026, 3, 18, 17, 30, tzinfo=UTC)))

    assert "2026年3月19日01:30:00（北京时间）" in pdf_text(pdf)


def test_deal_notice_for_a_technology_achievement_has_no_patent_number_row():
    pdf = deal_notice_pdf(notice_data(listing_type_label="技术成果", patent_number=None))

    text = pdf_text(pdf)
    assert "技术成果" in text
    assert "专利号" not in text


def test_deal_notice_prints_markup_characters_in_names_as_text():
    pdf = deal_notice_pdf(notice_data(listing_title="A&B <高效> 电池"))

    assert "A&B<高效>电池" in pdf_text(pdf)


def test_deal_notice_refuses_a_naive_deal_time():
    with pytest.raises(ValueError):
        notice_data(deal_at=datetime(2026, 3, 18, 15, 2, 11))


def test_the_same_notice_data_gives_the_same_bytes():
    assert deal_notice_pdf(notice_data()) == deal_notice_pdf(notice_data())


# -- the transaction certificate ---------------------------------------------------------


def test_certificate_states_the_completed_deal_and_the_bid_log_hash():
    pdf = certificate_pdf(certificate_data())

    assert page_count(pdf) == 1
    text = pdf_text(pdf)
    for expected in [
        "交易凭证",
        "编号：JSJY-2026-000001",
        "南京智焊科技有限公司",
        "东南大学",
        "一种基于深度学习的焊缝缺陷检测方法",
        "ZL202310123456.7",
        "¥1,234,567.89",
        "人民币壹佰贰拾叁万肆仟伍佰陆拾柒元捌角玖分",
        "合同上传日期2026年3月24日",
        "付款凭证上传日期2026年4月1日",
        "交割确认日期2026年4月20日",
        "出价次数37次",
        CHAIN_HEAD,
        "已核验",
        "2026年4月20日",
    ]:
        assert expected in text, expected
    assert "未通过核验" not in text


def test_certificate_says_when_the_bid_record_was_not_verified():
    text = pdf_text(certificate_pdf(certificate_data(bid_chain_verified=False)))

    assert "未通过核验" in text
    assert "已核验" not in text
    assert CHAIN_HEAD in text


@pytest.mark.parametrize("head", ["abc", CHAIN_HEAD.upper(), CHAIN_HEAD[:-1] + "g"])
def test_certificate_refuses_a_malformed_chain_head(head):
    with pytest.raises(ValueError):
        certificate_data(bid_chain_head=head)


# -- the contract template ---------------------------------------------------------------


def test_contract_template_is_a_two_or_three_page_skeleton_with_blanks():
    pdf = contract_template_pdf()

    assert 2 <= page_count(pdf) <= 3
    text = pdf_text(pdf)
    for expected in [
        "技术转让（专利权）合同",
        "示范文本",
        "受让方（甲方）",
        "让与方（乙方）",
        "转让标的",
        "专利号",
        "转让价款及支付",
        "网络竞价成交通知书",
        "专利权转移登记",
        "权利保证",
        "保密",
        "违约责任",
        "争议解决",
        "签字",
        "盖章",
    ]:
        assert expected in text, expected
    assert text.count("________") >= 20


FILL = ContractFill(
    deal_serial="JSJY-2026-000001",
    notice_serial="JSJY-2026-000001-TZ",
    listing_title="一种<焊缝>缺陷检测方法",
    patent_number="ZL202310123456.7",
    patent_type_label="发明专利",
    application_date=date(2023, 1, 5),
    grant_date=None,
    rights_holders="东南大学",
    buyer_name="南京智焊科技有限公司",
    seller_name="东南大学",
    price=Decimal("1234567.00"),
    deal_at=datetime(2026, 3, 18, 7, 2, tzinfo=UTC),
    contract_deadline=date(2026, 3, 25),
)


def test_a_filled_contract_prints_markup_in_names_as_text_and_keeps_unknown_blanks():
    text = pdf_text(contract_template_pdf(TRANSFER, FILL))
    assert "一种<焊缝>缺陷检测方法" in text
    assert "申请日：2023年1月5日；授权公告日：________________________" in text
    assert "2026年3月18日" in text and "2026年3月25日前" in text


MARK = VerificationMark(
    serial="JSJY-2026-000001-PZ",
    code="7KQ3-M9XD",
    url="https://example.org/deals/verify?serial=JSJY-2026-000001-PZ&code=7KQ3M9XD",
)


def test_a_verifiable_document_stays_on_one_page_and_prints_its_serial_and_code():
    for render in (
        deal_notice_pdf(notice_data(contract_deadline_provisional=True, verification=MARK)),
        certificate_pdf(certificate_data(verification=MARK)),
    ):
        assert page_count(render) == 1
        text = pdf_text(render)
        assert "验证编号：JSJY-2026-000001-PZ" in text and "验证码：7KQ3-M9XD" in text
        assert "https://example.org/deals/verify" in text and "（盖章处）" in text


def embedded_fonts(pdf: bytes) -> dict[str, bool]:
    """Every font the PDF's pages use, by base name, and whether its program is embedded."""
    from pdfminer.pdfdocument import PDFDocument
    from pdfminer.pdfpage import PDFPage
    from pdfminer.pdfparser import PDFParser
    from pdfminer.pdftypes import resolve1

    fonts = {}
    document = PDFDocument(PDFParser(io.BytesIO(pdf)))
    for page in PDFPage.create_pages(document):
        for font in resolve1(resolve1(page.resources).get("Font", {})).values():
            font = resolve1(font)
            described = font
            if font["Subtype"].name == "Type0":
                described = resolve1(resolve1(font["DescendantFonts"])[0])
            descriptor = resolve1(described.get("FontDescriptor")) or {}
            name = font["BaseFont"].name
            fonts[name] = any(key in descriptor for key in ("FontFile", "FontFile2", "FontFile3"))
    return fonts


@pytest.mark.parametrize(
    "render",
    [
        lambda: deal_notice_pdf(notice_data()),
        lambda: deal_notice_pdf(notice_data(contract_deadline_provisional=True, verification=MARK)),
        lambda: certificate_pdf(certificate_data(verification=MARK)),
        lambda: certificate_pdf(certificate_data(bid_chain_verified=False)),
        contract_template_pdf,
        lambda: contract_template_pdf(LICENSE),
        lambda: contract_template_pdf(TRANSFER, FILL),
        lambda: contract_template_pdf(LICENSE, FILL),
    ],
    ids=[
        "notice",
        "provisional-notice",
        "certificate",
        "unverified-certificate",
        "template",
        "licence-template",
        "filled-transfer",
        "filled-licence",
    ],
)
def test_every_pdf_embeds_its_fonts_as_subsets(render):
    fonts = embedded_fonts(render())
    assert fonts, "no fonts found"
    assert all(fonts.values()), fonts
    # subset-embedded fonts carry a six-letter tag: ABCDEF+Name
    assert all(re.fullmatch(r"[A-Z]{6}\+.+", name) for name in fonts), fonts
