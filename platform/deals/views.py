from functools import cache
from urllib.parse import quote

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from .documents import LICENSE, MARKET_NAME, TRANSFER, contract_template_pdf
from .selectors import deal_from_contract_token, document_verify
from .services import deal_contract_draft

PUBLIC = "public, max-age=3600"


@cache
def _contract_template(kind: str) -> bytes:
    # The blank template is built from code alone and byte-for-byte reproducible, so each
    # process renders it once (about 0.1 s) instead of once per download.
    return contract_template_pdf(kind)


def _pdf_response(content: bytes, filename: str, *, cache_control: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    response["Cache-Control"] = cache_control
    return response


@require_GET
def contract_template(request):
    """The platform's default transfer contract template (public; a season may replace it)."""
    return _pdf_response(
        _contract_template(TRANSFER),
        "技术转让合同示范文本.pdf",
        cache_control=PUBLIC,
    )


@require_GET
def license_contract_template(request):
    """The platform's default licence contract template (public)."""
    return _pdf_response(
        _contract_template(LICENSE),
        "专利实施许可合同示范文本.pdf",
        cache_control=PUBLIC,
    )


@require_GET
def contract_draft(request, token: str):
    """A deal's contract template filled with its data, behind a short-lived signed link."""
    deal = deal_from_contract_token(token)
    if deal is None:
        raise Http404
    return _pdf_response(
        deal_contract_draft(deal=deal), f"合同-{deal.serial}.pdf", cache_control="private, no-store"
    )


@require_GET
def document_verify_page(request):
    """Public: the page a notice's or certificate's QR code opens; genuine or not."""
    serial = request.GET.get("serial", "")[:40]
    code = request.GET.get("code", "")[:20]
    checked = bool(serial or code)
    document = document_verify(serial=serial, code=code) if checked else None
    response = render(
        request,
        "deals/verify.html",
        {
            "market_name": MARKET_NAME,
            "checked": checked,
            "document": document,
            "price": f"{document.price:,.2f}" if document else "",
            "serial": serial,
            "code": code,
        },
    )
    response["Cache-Control"] = "no-store"
    return response
