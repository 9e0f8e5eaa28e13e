from django.utils.translation import gettext_lazy as _

from kernel.errors import ErrorCode


class AgreementErrorCode(ErrorCode):
    AGREEMENT_NOT_ACCEPTED = (
        "AGREEMENT_NOT_ACCEPTED",
        _("Read and accept the current version ({version}) of {title}."),
    )
