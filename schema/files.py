import strawberry_django

from files.models import PrivateFile
from files.selectors import file_signed_path

from .context import Info


@strawberry_django.type(PrivateFile, name="File", description="An uploaded private file.")
class FileType:
    name: str = strawberry_django.field(description="The file name as uploaded.")
    content_type: str = strawberry_django.field(description="Detected from the content.")
    size: int = strawberry_django.field(description="Bytes.")

    @strawberry_django.field(
        prefetch_related=["readers"],
        description="A short-lived signed download link; null unless you may download it "
        "(its owner, staff, or the counterparty it is shared with).",
    )
    def url(self, info: Info) -> str | None:
        path = file_signed_path(user=info.context.user, file=self)
        if path is None:
            return None
        request = info.context.request
        return request.build_absolute_uri(path) if hasattr(request, "build_absolute_uri") else path
