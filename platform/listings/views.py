from django.http import HttpResponse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from .imports.template import CONTENT_TYPE, build_template, template_file_name


@require_GET
def import_template(request, type: str):
    """The batch-import template of ``type`` (PATENT or ACHIEVEMENT): public, like a form."""
    response = HttpResponse(build_template(type), content_type=CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=template_file_name(type)
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
