from django.conf import settings
from django.db import models

from agreements.models import Agreement
from files.models import PrivateFile
from listings.models import Listing


class DataRoomDocument(models.Model):
    """A confidential document a seller attaches to a listing (数据室文件). Only approved
    registrants of the listing's lots who accepted its confidentiality agreement, the seller
    and staff with the permission see it; everyone else sees only how many there are."""

    listing = models.ForeignKey(
        Listing, verbose_name="标的物", on_delete=models.PROTECT, related_name="data_room_documents"
    )
    file = models.OneToOneField(
        PrivateFile, verbose_name="文件", on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField("文件名称", max_length=100)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="上传人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("上传时间")

    class Meta:
        verbose_name = verbose_name_plural = "数据室文件"
        ordering = ["listing", "created_at", "id"]
        permissions = [("view_data_rooms", "可查看所有数据室文件")]

    def __str__(self) -> str:
        return self.title


class DataRoomAcceptance(models.Model):
    """Who accepted which version of the confidentiality agreement for which listing, when."""

    listing = models.ForeignKey(
        Listing, verbose_name="标的物", on_delete=models.PROTECT, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="接受人", on_delete=models.PROTECT, related_name="+"
    )
    agreement = models.ForeignKey(
        Agreement, verbose_name="保密协议版本", on_delete=models.PROTECT, related_name="+"
    )
    accepted_at = models.DateTimeField("接受时间")

    class Meta:
        verbose_name = verbose_name_plural = "保密协议接受记录"
        ordering = ["-accepted_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["listing", "user", "agreement"], name="data_room_acceptance_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.agreement}"


class DataRoomDownload(models.Model):
    """One download of a data-room document (who looked at what, when), shown to the seller."""

    document = models.ForeignKey(
        DataRoomDocument, verbose_name="文件", on_delete=models.PROTECT, related_name="downloads"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="下载人", on_delete=models.PROTECT, related_name="+"
    )
    bidder_number = models.CharField("竞买号", max_length=12, blank=True)
    downloaded_at = models.DateTimeField("下载时间")

    class Meta:
        verbose_name = verbose_name_plural = "数据室下载记录"
        ordering = ["-downloaded_at", "-id"]

    def __str__(self) -> str:
        return f"{self.user} · {self.document}"
