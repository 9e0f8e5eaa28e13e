from functools import cache

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from .documents import MARKET_NAME, contract_template_pdf
from .selectors import document_verify


@cache
def _contract_template() -> bytes:
    # The template is built from code alone and byte-for-byte reproducible, so each process
    # renders it once (about 0.1 s) instead of once per download.
    return contract_template_pdf()


@require_GET
def contract_template(request):
    """The platform's default contract template (public; a season may replace it)."""
    response = HttpResponse(_contract_template(), content_type="application/pdf")
    response["Content-Disposition"] = (
        "attachment; filename*=UTF-8''%E6%8A%80%E6%9C%AF%E8%BD%AC%E8%AE%A9%E5%90%88%E5%90%8C"
        "%E7%A4%BA%E8%8C%83%E6%96%87%E6%9C%AC.pdf"
    )
    response["Cache-Control"] = "public, max-age=3600"
    return response


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
