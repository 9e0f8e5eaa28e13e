from django.apps import AppConfig


class AuctionsConfig(AppConfig):
    name = "auctions"
    verbose_name = "竞价"

    def ready(self) -> None:
        from kernel.permissions import Perm
        from reviews.services import ReviewKind, review_kind_register

        from .models import Registration
        from .services.registration import (
            registration_before_decision,
            registration_on_decided,
        )

        review_kind_register(
            ReviewKind(
                key="REGISTRATION",
                label="竞买报名",
                model=Registration,
                permission=Perm.REVIEW_REGISTRATION,
                applicant_path="user",
                describe=lambda registration: registration.lot.listing.title,
                check=registration_before_decision,
                on_decided=registration_on_decided,
            )
        )
