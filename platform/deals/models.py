from django.conf import settings
from django.db import models

from auctions.models import Lot, Registration
from files.models import PrivateFile
from shops.models import Shop


class DealStatus(models.TextChoices):
    NOTICE_ISSUED = "NOTICE_ISSUED", "已出具成交通知书"
    CONTRACT_UPLOADED = "CONTRACT_UPLOADED", "已上传合同"
    PAID = "PAID", "已上传付款凭证"
    DELIVERED = "DELIVERED", "已确认交割"
    CERTIFIED = "CERTIFIED", "已出具交易凭证"
    CANCELLED = "CANCELLED", "已取消"


class DealRole(models.TextChoices):
    """A party's side of a deal."""

    BUYER = "BUYER", "买受人"
    SELLER = "SELLER", "委托人"


class DealStepKind(models.TextChoices):
    """The steps of a deal, in order, as a progress display shows them."""

    NOTICE = "NOTICE", "成交通知书"
    CONTRACT = "CONTRACT", "签署并上传合同"
    PAYMENT = "PAYMENT", "上传付款凭证"
    DELIVERY = "DELIVERY", "确认交割"
    CERTIFICATE = "CERTIFICATE", "交易凭证"


def _file(verbose_name: str):
    return models.ForeignKey(
        PrivateFile,
        verbose_name=verbose_name,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )


class Deal(models.Model):
    """A sold lot on its way from the deal notice to the transaction certificate."""

    # One deal per winner: a lot licensed to several bidders (Lot.licence_count) has several.
    lot = models.ForeignKey(
        Lot, verbose_name="拍品", on_delete=models.PROTECT, related_name="deals"
    )
    licence_rank = models.PositiveSmallIntegerField(
        "名次", default=1, help_text="多位被许可方时按出价排名（1为最高）"
    )
    serial = models.CharField("编号", max_length=32, unique=True, blank=True)
    registration = models.ForeignKey(
        Registration, verbose_name="买受人报名", on_delete=models.PROTECT, related_name="+"
    )
    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="买受人",
        on_delete=models.PROTECT,
        related_name="deals_bought",
    )
    seller = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="委托人（卖方）",
        on_delete=models.PROTECT,
        related_name="deals_sold",
    )
    shop = models.ForeignKey(Shop, verbose_name="店铺", on_delete=models.PROTECT, related_name="+")
    price = models.DecimalField("成交价（元）", max_digits=14, decimal_places=2)
    won_under_priority_right = models.BooleanField(
        "行使优先购买权竞得", default=False, help_text="买受人的最高出价为优先购买权人的跟价"
    )
    status = models.CharField(
        "状态",
        max_length=20,
        choices=DealStatus.choices,
        default=DealStatus.NOTICE_ISSUED,
        db_index=True,
    )
    dealt_at = models.DateTimeField("成交时间")
    contract_deadline = models.DateField("合同签署截止日", help_text="成交后第5个工作日")
    contract_deadline_provisional = models.BooleanField(
        "截止日为暂定",
        default=False,
        help_text="计算时所跨年度的节假日安排尚未录入，暂按法定节假日推算；录入后自动重算。",
    )
    reminder_sent_at = models.DateTimeField("截止提醒时间", null=True, blank=True)
    overdue_at = models.DateTimeField("逾期标记时间", null=True, blank=True)

    notice = _file("成交通知书")
    contract = _file("技术交易合同")
    contract_uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="合同上传人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    contract_uploaded_at = models.DateTimeField("合同上传时间", null=True, blank=True)
    payment_proof = _file("付款凭证")
    paid_at = models.DateTimeField("付款凭证上传时间", null=True, blank=True)
    delivered_at = models.DateTimeField("确认交割时间", null=True, blank=True)
    certificate = _file("交易凭证")
    certified_at = models.DateTimeField("交易凭证出具时间", null=True, blank=True)
    chain_head = models.CharField("出价记录哈希", max_length=64, blank=True)

    patent_transfer_registered_on = models.DateField("专利转让登记日", null=True, blank=True)
    patent_transfer_number = models.CharField("专利转让登记号", max_length=64, blank=True)
    tech_contract_registered_on = models.DateField("技术合同认定登记日", null=True, blank=True)
    tech_contract_number = models.CharField("技术合同登记号", max_length=64, blank=True)

    cancelled_at = models.DateTimeField("取消时间", null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="取消人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    cancel_reason = models.TextField("取消原因", blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "成交"
        ordering = ["-dealt_at", "-id"]
        permissions = [("manage_deals", "可管理成交（取消违约、导出结果）")]
        constraints = [
            models.UniqueConstraint(fields=["lot", "registration"], name="deal_one_per_winner"),
            models.UniqueConstraint(fields=["lot", "licence_rank"], name="deal_rank_once"),
        ]

    def __str__(self) -> str:
        return self.serial or f"deal {self.pk}"

    def certificate_pending(self) -> bool:
        """Delivered, and 《交易凭证》 not stored yet: the worker renders it after the
        delivery confirmation commits."""
        return self.status == DealStatus.DELIVERED and self.certificate_id is None


class Strike(models.Model):
    """A buyer's default (违约): enough of them bar the buyer from registering."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="买受人",
        on_delete=models.PROTECT,
        related_name="strikes",
    )
    deal = models.OneToOneField(
        Deal, verbose_name="成交", on_delete=models.PROTECT, related_name="strike"
    )
    reason = models.TextField("原因")
    created_at = models.DateTimeField("记录时间", auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="记录人", on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = verbose_name_plural = "违约记录"

    def __str__(self) -> str:
        return f"{self.user} · {self.deal}"


class DutyRun(models.Model):
    """When a daily duty last ran, so any number of workers run it once a day."""

    name = models.CharField("任务", max_length=50, unique=True)
    ran_on = models.DateField("最近执行日", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "每日任务"

    def __str__(self) -> str:
        return f"{self.name} · {self.ran_on}"


class DocumentKind(models.TextChoices):
    NOTICE = "NOTICE", "网络竞价成交通知书"
    CERTIFICATE = "CERTIFICATE", "交易凭证"


class IssuedDocument(models.Model):
    """A notice or certificate the exchange issued, as printed on it, so that whoever holds
    it (a patent agent, a bank, the patent office) can check it with its serial and code.
    A reissued notice keeps its serial and code: what is verified does not change."""

    deal = models.ForeignKey(
        Deal, verbose_name="成交", on_delete=models.PROTECT, related_name="documents"
    )
    kind = models.CharField("文书", max_length=20, choices=DocumentKind.choices)
    serial = models.CharField("验证编号", max_length=40, unique=True)
    code = models.CharField("验证码", max_length=16)
    issued_on = models.DateField("出具日期")
    lot_title = models.CharField("标的名称", max_length=300)
    price = models.DecimalField("成交价（元）", max_digits=14, decimal_places=2)
    dealt_on = models.DateField("成交日期")
    buyer_name = models.CharField("买受人", max_length=100)
    seller_name = models.CharField("委托人（卖方）", max_length=100)
    bid_chain_head = models.CharField("出价记录哈希", max_length=64, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "可核验文书"
        constraints = [
            models.UniqueConstraint(fields=["deal", "kind"], name="one_document_per_kind")
        ]

    def __str__(self) -> str:
        return self.serial
