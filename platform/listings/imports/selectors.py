from django.db.models import QuerySet

from accounts.models import User
from kernel.permissions import Perm, staff_can

from ..models import ListingImport, ListingImportRow


def listing_imports_visible_to(user: User) -> QuerySet[ListingImport]:
    """An import is its uploader's (and listing reviewers') to read: the file and its rows
    are theirs."""
    if not user.is_authenticated:
        return ListingImport.objects.none()
    if staff_can(user, Perm.REVIEW_LISTING):
        return ListingImport.objects.all()
    return ListingImport.objects.filter(uploaded_by=user)


def listing_imports_of(user: User) -> QuerySet[ListingImport]:
    """The user's own imports, newest first (the seller centre's import history)."""
    return ListingImport.objects.filter(uploaded_by=user).order_by("-created_at", "-pk")


def listing_import_rows_visible_to(user: User) -> QuerySet[ListingImportRow]:
    if not user.is_authenticated:
        return ListingImportRow.objects.none()
    if staff_can(user, Perm.REVIEW_LISTING):
        return ListingImportRow.objects.all()
    return ListingImportRow.objects.filter(listing_import__uploaded_by=user)


def listing_import_rows(
    *, listing_import: ListingImport, status: str | None = None
) -> QuerySet[ListingImportRow]:
    rows = ListingImportRow.objects.filter(listing_import=listing_import)
    if status:
        rows = rows.filter(status=status)
    return rows.order_by("row_number")
