from django.apps import AppConfig


class ListingsConfig(AppConfig):
    name = "listings"
    verbose_name = "标的物"

    def ready(self) -> None:
        from kernel.permissions import Perm
        from reviews.services import ReviewKind, review_kind_register

        from . import services
        from .models import Listing, ListingStatus, OwnershipChange

        review_kind_register(
            ReviewKind(
                key="LISTING",
                label="商品上架",
                model=Listing,
                permission=Perm.REVIEW_LISTING,
                applicant_path="shop__identity__user",
                describe=lambda listing: listing.title,
                pending=ListingStatus.PENDING_REVIEW,
                approved=ListingStatus.LISTED,
                rejected=ListingStatus.REJECTED,
                on_decided=services.listing_on_decided,
            )
        )
        review_kind_register(
            ReviewKind(
                key="OWNERSHIP_CHANGE",
                label="权属变更",
                model=OwnershipChange,
                permission=Perm.REVIEW_OWNERSHIP_CHANGE,
                applicant_path="applicant",
                describe=lambda change: change.listing.title,
                on_decided=services.ownership_change_on_decided,
            )
        )
