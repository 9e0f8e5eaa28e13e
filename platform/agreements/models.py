from django.db import models


class AgreementKind(models.TextChoices):
    SHOP_NOTICE = "SHOP_NOTICE", "开店须知"
    LISTING_AGREEMENT = "LISTING_AGREEMENT", "商品发布协议"
    DATA_ROOM_NDA = "DATA_ROOM_NDA", "数据室保密协议"


class Agreement(models.Model):
    """A versioned text users must accept (《开店须知》, later 《商品发布协议》, ...).

    Versions are never edited once published; a change is a new version, and what a user
    accepted is recorded by version.
    """

    kind = models.CharField("类型", max_length=32, choices=AgreementKind.choices)
    version = models.CharField("版本", max_length=20)
    title = models.CharField("标题", max_length=100)
    body = models.TextField("正文")
    effective_at = models.DateTimeField("生效时间")

    class Meta:
        verbose_name = verbose_name_plural = "须知与协议"
        ordering = ["kind", "-effective_at"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "version"], name="agreement_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.title} {self.version}"
