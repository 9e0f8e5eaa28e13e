from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "账户与认证"

    def ready(self) -> None:
        from kernel.permissions import Perm
        from reviews.services import ReviewKind, review_kind_register

        from .models import Identity, Verification

        review_kind_register(
            ReviewKind(
                key="VERIFICATION",
                label="实名认证",
                model=Verification,
                permission=Perm.REVIEW_VERIFICATION,
                applicant_path="user",
            )
        )
        review_kind_register(
            ReviewKind(
                key="IDENTITY",
                label="身份",
                model=Identity,
                permission=Perm.REVIEW_IDENTITY,
                applicant_path="user",
            )
        )
