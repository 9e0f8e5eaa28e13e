from functools import cache

from django.http import HttpResponse
from django.views.decorators.http import require_GET

from .documents import contract_template_pdf


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
