import uuid

from django.conf import settings
from django.db import models


class FileKind(models.TextChoices):
    VERIFICATION_CERTIFICATE = "VERIFICATION_CERTIFICATE", "实名认证证书"
    IDENTITY_CERTIFICATE = "IDENTITY_CERTIFICATE", "身份证明文件"
    LISTING_IMPORT = "LISTING_IMPORT", "批量导入表格"
    LISTING_IMPORT_RESULT = "LISTING_IMPORT_RESULT", "批量导入结果"
    COMMITMENT_LETTER = "COMMITMENT_LETTER", "网络竞价承诺函"
    DEAL_NOTICE = "DEAL_NOTICE", "网络竞价成交通知书"
    CONTRACT = "CONTRACT", "技术交易合同"
    CONTRACT_TEMPLATE = "CONTRACT_TEMPLATE", "合同模板"
    PAYMENT_PROOF = "PAYMENT_PROOF", "付款凭证"
    CERTIFICATE = "CERTIFICATE", "交易凭证"
    RESULTS_EXPORT = "RESULTS_EXPORT", "成交结果导出"
    DATA_ROOM_DOCUMENT = "DATA_ROOM_DOCUMENT", "数据室文件"


class PrivateFile(models.Model):
    """An uploaded file. Stored under a random name, never served publicly: a download goes
    through a short-lived signed link issued only to the owner and staff."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="上传人",
        on_delete=models.PROTECT,
        related_name="files",
    )
    kind = models.CharField("用途", max_length=40, choices=FileKind.choices)
    name = models.CharField("原文件名", max_length=255)
    content_type = models.CharField("类型", max_length=100)
    size = models.PositiveBigIntegerField("大小（字节）")
    sha256 = models.CharField("SHA-256", max_length=64)
    stored_name = models.CharField("存储名", max_length=255, unique=True)
    created_at = models.DateTimeField("上传时间", auto_now_add=True)
    # Others entitled to download it besides its owner and staff (a deal's counterparty).
    readers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name="可下载的其他用户", blank=True, related_name="+"
    )

    class Meta:
        verbose_name = verbose_name_plural = "私有文件"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name
