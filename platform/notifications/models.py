from django.conf import settings
from django.db import models


class SmsStatus(models.TextChoices):
    QUEUED = "QUEUED", "待发送"
    SENT = "SENT", "已发送"
    FAILED = "FAILED", "发送失败"
    EXPIRED = "EXPIRED", "过期未发"


class SmsMessage(models.Model):
    """The SMS outbox: every message the platform sends, with what became of it."""

    phone = models.CharField("手机号", max_length=20, db_index=True)
    text = models.TextField("内容")
    # A message carrying a secret (an SMS code) keeps it only until it is sent or stale:
    # then ``text`` is replaced by this redacted copy.
    redacted_text = models.TextField("脱敏内容", blank=True)
    expires_at = models.DateTimeField("过期时间", null=True, blank=True)
    status = models.CharField(
        "状态", max_length=16, choices=SmsStatus.choices, default=SmsStatus.QUEUED, db_index=True
    )
    backend = models.CharField("通道", max_length=200, blank=True)
    attempts = models.PositiveSmallIntegerField("发送次数", default=0)
    error = models.TextField("错误", blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    sent_at = models.DateTimeField("发送时间", null=True, blank=True)
    attempted_at = models.DateTimeField("最近发送尝试", null=True, blank=True)
    request_id = models.CharField("请求编号", max_length=64, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "短信"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.phone}: {self.text[:30]}"


class Notification(models.Model):
    """One message in a user's in-app inbox (站内消息): the same text as its SMS."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name="用户",
    )
    # A short stable code clients branch on, e.g. "review.decided", "lot.won".
    kind = models.CharField("类型", max_length=50)
    title = models.CharField("标题", max_length=100)
    body = models.TextField("内容")
    # What it is about, if anything: the model's name (which is also its GraphQL type name)
    # and primary key, so a client can open it by its global id.
    subject_type = models.CharField("关联对象类型", max_length=50, blank=True)
    subject_id = models.CharField("关联对象编号", max_length=50, blank=True)
    created_at = models.DateTimeField("时间")
    read_at = models.DateTimeField("已读时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "站内消息"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "read_at", "-created_at"], name="notification_inbox")
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.title}"
