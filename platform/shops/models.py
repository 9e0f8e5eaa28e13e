from django.db import models

from accounts.models import Identity
from agreements.models import Agreement
from reviews.models import Reviewable


class Shop(Reviewable):
    """A seller's shop (店铺), one per approved identity; open once staff approve it."""

    identity = models.OneToOneField(
        Identity, verbose_name="身份", on_delete=models.PROTECT, related_name="shop"
    )
    name = models.CharField("店铺名称", max_length=100)
    description = models.TextField("店铺简介", blank=True)
    contact_name = models.CharField("联系人", max_length=50)
    contact_phone = models.CharField("联系电话", max_length=20)
    contact_email = models.EmailField("联系邮箱", blank=True)
    notice_accepted = models.ForeignKey(
        Agreement, verbose_name="已接受的开店须知", on_delete=models.PROTECT, related_name="+"
    )
    notice_accepted_at = models.DateTimeField("接受须知时间")

    class Meta:
        verbose_name = verbose_name_plural = "店铺"
        permissions = [("review_shop", "可审核店铺")]

    def __str__(self) -> str:
        return self.name
