from django.apps import AppConfig


class ShopsConfig(AppConfig):
    name = "shops"
    verbose_name = "店铺"

    def ready(self) -> None:
        from kernel.permissions import Perm
        from reviews.services import ReviewKind, review_kind_register

        from .models import Shop

        review_kind_register(
            ReviewKind(
                key="SHOP",
                label="开通店铺",
                model=Shop,
                permission=Perm.REVIEW_SHOP,
                applicant_path="identity__user",
            )
        )
