from django.utils.translation import gettext_lazy as _

from kernel.errors import ErrorCode


class DataRoomErrorCode(ErrorCode):
    DATA_ROOM_NOT_REGISTERED = (
        "DATA_ROOM_NOT_REGISTERED",
        _("Only approved registrants of this listing's lots may open its data room."),
    )
