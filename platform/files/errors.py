from django.utils.translation import gettext_lazy as _

from kernel.errors import ErrorCode


class FileErrorCode(ErrorCode):
    FILE_REQUIRED = "FILE_REQUIRED", _("Upload the required file.")
    FILE_TOO_LARGE = "FILE_TOO_LARGE", _("The file is larger than the limit of {limit_mb} MB.")
    FILE_EMPTY = "FILE_EMPTY", _("The file is empty.")
    FILE_TYPE_NOT_ALLOWED = (
        "FILE_TYPE_NOT_ALLOWED",
        _("The file's content is not one of the allowed types: {allowed}."),
    )
