from decimal import Decimal

from django.conf import settings
from django.db import models

from files.models import PrivateFile
from listings.models import Listing
from reviews.models import Reviewable


class Season(models.Model):
    """An auction season (专利（成果）拍卖季): its rules and defaults for its lots."""

    name = models.CharField("名称", max_length=100)
    rules = models.TextField("竞价规则")
    deposit_required = models.BooleanField("收取保证金", default=False)
    deposit_amount = models.DecimalField(
        "保证金（元）", max_digits=14, decimal_places=2, null=True, blank=True
    )
    anti_sniping_minutes = models.PositiveSmallIntegerField(
        "延时周期（分钟）",
        default=5,
        help_text="结束前该分钟数内有出价，结束时间顺延至该出价后该分钟数；0为不延时",
    )
    default_increment = models.DecimalField(
        "默认加价幅度（元）", max_digits=14, decimal_places=2, default=Decimal("1000.00")
    )
    max_licences_per_lot = models.PositiveSmallIntegerField(
        "每个拍品最多许可数",
        default=1,
        help_text="普通许可的拍品最多可许可给出价最高的几位不同竞买人（各按其最高出价）；1为只有一位买受人",
    )
    contract_template = models.ForeignKey(
        PrivateFile,
        verbose_name="合同模板",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="替换平台默认的《技术转让（专利权）合同》示范文本",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="创建人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "拍卖季"
        ordering = ["-created_at"]
        permissions = [("manage_auctions", "可创建拍卖季、场次与拍品")]

    def __str__(self) -> str:
        return self.name


class AuctionSession(models.Model):
    """One auction day of a season (场次): public notice, then live bidding."""

    season = models.ForeignKey(
        Season, verbose_name="拍卖季", on_delete=models.PROTECT, related_name="sessions"
    )
    name = models.CharField("名称", max_length=100)
    auction_day = models.DateField("拍卖日")
    notice_starts_at = models.DateTimeField("公示开始")
    bidding_starts_at = models.DateTimeField("竞价开始")
    bidding_ends_at = models.DateTimeField("竞价结束")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "竞价场次"
        ordering = ["bidding_starts_at", "id"]

    def __str__(self) -> str:
        return f"{self.season} {self.name}"


class LotPhase(models.TextChoices):
    SCHEDULED = "SCHEDULED", "未开始"
    NOTICE = "NOTICE", "公示中"
    BIDDING = "BIDDING", "竞价中"
    ENDED = "ENDED", "已结束"


class LotResult(models.TextChoices):
    SOLD = "SOLD", "成交"
    UNSOLD = "UNSOLD", "流拍"
    PULLED = "PULLED", "撤拍"  # issue 14: taken out before bidding (legal status)


class Lot(models.Model):
    """A listing put up in a session (拍品). Its phase follows from its times and the clock;
    the price, leader and sequence are kept here, changed only under this row's lock."""

    session = models.ForeignKey(
        AuctionSession, verbose_name="场次", on_delete=models.PROTECT, related_name="lots"
    )
    # The lead listing; a package (专利包) holds more, all of them in ``items`` (lead first).
    listing = models.ForeignKey(
        Listing, verbose_name="标的物", on_delete=models.PROTECT, related_name="lots"
    )
    licence_count = models.PositiveSmallIntegerField(
        "许可数",
        default=1,
        help_text="大于1时（普通许可，拍卖季允许），出价最高的这么多位不同竞买人各得一份许可",
    )
    start_price = models.DecimalField("起拍价（元）", max_digits=14, decimal_places=2)
    increment = models.DecimalField("加价幅度（元）", max_digits=14, decimal_places=2)
    reserve_price = models.DecimalField(
        "保留价（元）", max_digits=14, decimal_places=2, null=True, blank=True
    )
    ends_at = models.DateTimeField("结束时间", help_text="含延时")
    current_price = models.DecimalField(
        "当前价（元）", max_digits=14, decimal_places=2, null=True, blank=True
    )
    leader = models.ForeignKey(
        "Registration",
        verbose_name="领先者",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # The leader's priority purchase right order (null: an ordinary bidder), kept with the
    # leader so that a holder's match is judged from the locked row alone (a join read with
    # the lock may return the leader as it was before the wait).
    leader_priority_order = models.PositiveSmallIntegerField(
        "领先者优先购买权顺序", null=True, blank=True
    )
    bid_count = models.PositiveIntegerField("出价次数", default=0)
    last_seq = models.PositiveIntegerField("最新序号", default=0)
    head_hash = models.CharField("出价链头哈希", max_length=64, blank=True)
    # The bid chain is verified incrementally: bids up to chain_verified_seq were recomputed
    # once and matched (their last hash kept), so no read re-reads them; a break is sticky.
    chain_verified_seq = models.PositiveIntegerField("出价链已校验至", default=0)
    chain_verified_hash = models.CharField("已校验链头哈希", max_length=64, blank=True)
    chain_broken_at_seq = models.PositiveIntegerField("出价链断裂于", null=True, blank=True)
    next_bidder_number = models.PositiveIntegerField("下一个竞买号", default=1)
    has_proxies = models.BooleanField(
        "有代理出价", default=False, help_text="有竞买人设置了最高出价（出价时才需查询代理出价）"
    )
    published_phase = models.CharField(
        "已发布阶段", max_length=16, choices=LotPhase.choices, default=LotPhase.SCHEDULED
    )
    result = models.CharField(
        "结果", max_length=8, choices=LotResult.choices, blank=True, db_index=True
    )
    final_price = models.DecimalField(
        "成交价（元）", max_digits=14, decimal_places=2, null=True, blank=True
    )
    winner = models.ForeignKey(
        "Registration",
        verbose_name="买受人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    finalized_at = models.DateTimeField("结束处理时间", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="创建人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "拍品"
        ordering = ["session", "id"]
        indexes = [models.Index(fields=["result", "ends_at"])]

    def __str__(self) -> str:
        return f"{self.session.name} · {self.listing.title}"

    def listings_in_order(self) -> list[Listing]:
        """Every listing the lot sells, the lead first (one for an ordinary lot). Uses a
        prefetched ``items__listing`` when there is one."""
        return [item.listing for item in self.items.all()] or [self.listing]

    def subject_title(self) -> str:
        """What the lot sells, in a sentence: the listing's title, or a package's lead title
        and how many listings it holds."""
        listings = self.listings_in_order()
        if len(listings) == 1:
            return listings[0].title
        return f"{listings[0].title}等{len(listings)}项专利包"

    @property
    def deal(self):
        """The deal of a sold lot (the highest bidder's when several licences were sold)."""
        return self.deals.order_by("licence_rank").first()

    def next_minimum_bid(self) -> Decimal:
        """The start price before any bid, then the current price plus one increment."""
        return (
            self.start_price if self.current_price is None else self.current_price + self.increment
        )

    def next_minimum_bid_at(self, at) -> Decimal | None:
        """The lowest bid accepted at ``at``: none once the lot has a result or its end
        has passed (no bid is accepted then), else ``next_minimum_bid``."""
        if self.result or self.ends_at <= at:
            return None
        return self.next_minimum_bid()

    def seconds_left_at(self, at) -> float:
        """Seconds from ``at`` to the end (with extensions); 0 once it has passed or the
        lot has a result (a pulled lot ends before its time)."""
        return 0.0 if self.result else max(0.0, (self.ends_at - at).total_seconds())

    def phase_at(self, at) -> str:
        return lot_phase(
            result=self.result,
            notice_starts_at=self.session.notice_starts_at,
            bidding_starts_at=self.session.bidding_starts_at,
            ends_at=self.ends_at,
            at=at,
        )


def lot_phase(*, result: str, notice_starts_at, bidding_starts_at, ends_at, at) -> str:
    """A lot's phase follows from its times (the end with extensions) and the clock."""
    if result:
        return LotPhase.ENDED
    if at < notice_starts_at:
        return LotPhase.SCHEDULED
    if at < bidding_starts_at:
        return LotPhase.NOTICE
    if at < ends_at:
        return LotPhase.BIDDING
    return LotPhase.ENDED


class PriorityBasis(models.TextChoices):
    CO_OWNER = "CO_OWNER", "专利权共有人"
    LICENSEE = "LICENSEE", "被许可人"
    OTHER = "OTHER", "其他依法享有优先购买权者"


class LotItem(models.Model):
    """One listing of a lot (拍品所含标的): a package (专利包) has several, of one shop, sold or
    unsold together; an ordinary lot has one, its lead listing."""

    lot = models.ForeignKey(
        Lot, verbose_name="拍品", on_delete=models.PROTECT, related_name="items"
    )
    listing = models.ForeignKey(
        Listing, verbose_name="标的物", on_delete=models.PROTECT, related_name="lot_items"
    )
    position = models.PositiveSmallIntegerField("序号", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "拍品标的"
        ordering = ["lot", "position"]
        constraints = [
            models.UniqueConstraint(fields=["lot", "listing"], name="lot_item_listing_once"),
            models.UniqueConstraint(fields=["lot", "position"], name="lot_item_position_once"),
        ]

    def __str__(self) -> str:
        return f"{self.lot_id} · {self.listing}"


class Registration(Reviewable):
    """A buyer's registration for a lot (报名), with the signed commitment letter."""

    lot = models.ForeignKey(
        Lot, verbose_name="拍品", on_delete=models.PROTECT, related_name="registrations"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="竞买人",
        on_delete=models.PROTECT,
        related_name="registrations",
    )
    commitment_letter = models.ForeignKey(
        PrivateFile, verbose_name="网络竞价承诺函", on_delete=models.PROTECT, related_name="+"
    )
    bidder_number = models.CharField("竞买号", max_length=12, blank=True)
    deposit_required = models.BooleanField("需交保证金", default=False)
    deposit_amount = models.DecimalField(
        "保证金（元）", max_digits=14, decimal_places=2, null=True, blank=True
    )
    deposit_confirmed_at = models.DateTimeField("保证金确认时间", null=True, blank=True)
    deposit_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="保证金确认人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # 优先购买权 (issue 14): staff mark a holder before bidding opens; null = none.
    priority_order = models.PositiveSmallIntegerField(
        "优先购买权顺序",
        null=True,
        blank=True,
        help_text="1为最先；同价时优先购买权人优于普通竞买人，顺序在先者优于在后者",
    )
    priority_basis = models.CharField(
        "优先购买权依据", max_length=16, choices=PriorityBasis.choices, blank=True
    )
    priority_reason = models.TextField("认定理由", blank=True)
    priority_marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="认定人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    priority_marked_at = models.DateTimeField("认定时间", null=True, blank=True)
    priority_waived_at = models.DateTimeField(
        "视为放弃优先购买权时间", null=True, blank=True, help_text="报名后未出价，拍品结束时记录"
    )

    class Meta:
        verbose_name = verbose_name_plural = "竞买报名"
        permissions = [("review_registration", "可审核竞买报名")]
        constraints = [
            models.UniqueConstraint(fields=["lot", "user"], name="registration_one_per_lot"),
            models.UniqueConstraint(
                fields=["lot", "bidder_number"],
                condition=~models.Q(bidder_number=""),
                name="registration_bidder_number_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.lot} · {self.bidder_number or self.user}"


class Bid(models.Model):
    """One accepted bid. Never changed: a per-lot gapless sequence and a hash chain."""

    lot = models.ForeignKey(Lot, verbose_name="拍品", on_delete=models.PROTECT, related_name="bids")
    registration = models.ForeignKey(
        Registration, verbose_name="报名", on_delete=models.PROTECT, related_name="bids"
    )
    seq = models.PositiveIntegerField("序号")
    amount = models.DecimalField("出价（元）", max_digits=14, decimal_places=2)
    bidder_number = models.CharField("竞买号", max_length=12)
    placed_at = models.DateTimeField("出价时间")
    is_proxy = models.BooleanField("代理出价", default=False)
    # Issue 14: a holder's bid equal to the highest (跟价), with the holder's order then.
    under_priority_right = models.BooleanField("行使优先购买权", default=False)
    priority_order = models.PositiveSmallIntegerField("优先购买权顺序", null=True, blank=True)
    # The hashed record's format: 1 before issue 14 (no priority fields), 2 with them.
    record_format = models.PositiveSmallIntegerField("记录格式", default=2)
    idempotency_key = models.CharField("幂等键", max_length=64, blank=True)
    ends_at_after = models.DateTimeField("出价后结束时间")
    prev_hash = models.CharField("前一哈希", max_length=64)
    hash = models.CharField("哈希", max_length=64)

    class Meta:
        verbose_name = verbose_name_plural = "出价记录"
        ordering = ["lot", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["lot", "seq"], name="bid_seq_unique_per_lot"),
            models.UniqueConstraint(
                fields=["registration", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="bid_idempotency_key_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.bidder_number} {self.amount}"


class ProxyBid(models.Model):
    """A registrant's maximum (代理出价): the engine raises for them up to it."""

    registration = models.OneToOneField(
        Registration, verbose_name="报名", on_delete=models.PROTECT, related_name="proxy"
    )
    lot = models.ForeignKey(
        Lot, verbose_name="拍品", on_delete=models.PROTECT, related_name="proxies"
    )
    max_amount = models.DecimalField("最高出价（元）", max_digits=14, decimal_places=2)
    set_at = models.DateTimeField("设置时间")

    class Meta:
        verbose_name = verbose_name_plural = "代理出价"

    def __str__(self) -> str:
        return f"{self.registration} ≤ {self.max_amount}"


class LotPullStatus(models.TextChoices):
    PENDING = "PENDING", "待决定"
    APPROVED = "APPROVED", "已撤拍"
    REJECTED = "REJECTED", "继续竞价"


class LotPull(models.Model):
    """A proposal to take a lot out of its session before bidding (撤拍) because its patent's
    legal status changed; staff decide, and only an approved one ends the lot."""

    lot = models.ForeignKey(
        Lot, verbose_name="拍品", on_delete=models.PROTECT, related_name="pulls"
    )
    legal_status_check = models.ForeignKey(
        "listings.LegalStatusCheck",
        verbose_name="法律状态核查",
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(
        "状态", max_length=16, choices=LotPullStatus.choices, default=LotPullStatus.PENDING
    )
    created_at = models.DateTimeField("提出时间")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="决定人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField("决定时间", null=True, blank=True)
    note = models.TextField("说明", blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "撤拍决定"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["lot"],
                condition=models.Q(status="PENDING"),
                name="lot_pull_one_pending",
            )
        ]

    def __str__(self) -> str:
        return f"{self.lot} · {self.get_status_display()}"
