from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "账户与认证"

    def ready(self) -> None:
        from reviews.services import ReviewKind, review_kind_register

        from .models import Identity, Verification

        review_kind_register(
            ReviewKind(
                key="VERIFICATION",
                label="实名认证",
                model=Verification,
                permission="accounts.review_verification",
                applicant=lambda verification: verification.user,
            )
        )
        review_kind_register(
            ReviewKind(
                key="IDENTITY",
                label="身份",
                model=Identity,
                permission="accounts.review_identity",
                applicant=lambda identity: identity.user,
            )
        )
