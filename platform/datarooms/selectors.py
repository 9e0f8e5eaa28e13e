"""Who may see a listing's data room, asked by the API and the download view alike."""

from django.core import signing
from django.db.models import Q, QuerySet
from django.urls import reverse

from agreements.models import Agreement, AgreementKind
from agreements.selectors import agreement_current
from auctions.models import Registration
from kernel.permissions import Perm, staff_can
from listings.models import Listing
from listings.selectors import listings_visible_to
from reviews.models import ReviewStatus

from .models import DataRoomAcceptance, DataRoomDocument, DataRoomDownload

SIGNING_SALT = "datarooms.download"


def data_room_agreement() -> Agreement | None:
    """The confidentiality agreement (《数据室保密协议》) in force: what a registrant accepts."""
    return agreement_current(AgreementKind.DATA_ROOM_NDA)


def data_room_is_seller(*, user, listing: Listing) -> bool:
    return user.is_authenticated and listing.shop.identity.user_id == user.pk


def data_room_manages(*, user, listing: Listing) -> bool:
    """The seller and staff with the permission: they see the documents and the downloads."""
    return data_room_is_seller(user=user, listing=listing) or staff_can(user, Perm.VIEW_DATA_ROOMS)


def data_room_registration(*, user, listing: Listing) -> Registration | None:
    """``user``'s approved registration for a lot of ``listing`` (the latest), if any; a
    package's registrants see the room of each of its listings."""
    if not user.is_authenticated:
        return None
    of_listing = Q(lot__listing=listing) | Q(lot__items__listing=listing)
    return (
        Registration.objects.filter(of_listing, user=user, status=ReviewStatus.APPROVED)
        .order_by("-id")
        .first()
    )


def data_room_acceptance(*, user, listing: Listing) -> DataRoomAcceptance | None:
    """``user``'s acceptance of the agreement in force for ``listing``; an acceptance of an
    earlier version no longer opens the room."""
    agreement = data_room_agreement()
    if agreement is None or not user.is_authenticated:
        return None
    return (
        DataRoomAcceptance.objects.filter(listing=listing, user=user, agreement=agreement)
        .select_related("agreement")
        .first()
    )


def data_room_can_view(*, user, listing: Listing) -> bool:
    if data_room_manages(user=user, listing=listing):
        return True
    return (
        data_room_registration(user=user, listing=listing) is not None
        and data_room_acceptance(user=user, listing=listing) is not None
    )


def data_room_downloads(*, user, listing: Listing) -> QuerySet[DataRoomDownload]:
    """The download log: the seller's and staff's only."""
    downloads = DataRoomDownload.objects.filter(document__listing=listing).select_related(
        "document", "user"
    )
    return downloads if data_room_manages(user=user, listing=listing) else downloads.none()


def data_room_signed_path(*, user, document: DataRoomDocument) -> str:
    """A short-lived download path bound to ``user``; the view checks access again."""
    token = signing.TimestampSigner(salt=SIGNING_SALT).sign_object({"d": document.pk, "u": user.pk})
    return reverse("datarooms:download", kwargs={"token": token})


def data_room_from_token(token: str, *, max_age) -> tuple[DataRoomDocument, int] | None:
    try:
        data = signing.TimestampSigner(salt=SIGNING_SALT).unsign_object(token, max_age=max_age)
    except signing.BadSignature:
        return None
    document = (
        DataRoomDocument.objects.select_related("file", "listing__shop__identity")
        .filter(pk=data["d"])
        .first()
    )
    return (document, data["u"]) if document is not None else None


class DataRoomView:
    """A listing's data room as ``user`` sees it (one read for the API)."""

    def __init__(self, *, user, listing: Listing, downloads_limit: int = 100) -> None:
        self.listing = listing
        self.document_count = DataRoomDocument.objects.filter(listing=listing).count()
        self.agreement = data_room_agreement()
        self.registered = data_room_registration(user=user, listing=listing) is not None
        self.acceptance = data_room_acceptance(user=user, listing=listing)
        self.manages = data_room_manages(user=user, listing=listing)
        self.can_view = self.manages or (self.registered and self.acceptance is not None)
        self.documents = (
            list(DataRoomDocument.objects.filter(listing=listing).select_related("file"))
            if self.can_view
            else []
        )
        self.downloads = (
            list(data_room_downloads(user=user, listing=listing)[:downloads_limit])
            if self.manages
            else []
        )


def data_room_view(*, user, listing_id: int) -> DataRoomView | None:
    """None when the listing does not exist or ``user`` may not see it at all."""
    listing = (
        listings_visible_to(user).select_related("shop__identity").filter(pk=listing_id).first()
    )
    return DataRoomView(user=user, listing=listing) if listing is not None else None
