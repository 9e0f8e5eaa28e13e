from django.conf import settings
from django.db import models
from django.db.models import Q

from agreements.models import Agreement
from files.models import PrivateFile
from reviews.models import Reviewable
from shops.models import Shop


class ListingType(models.TextChoices):
    PATENT = "PATENT", "专利"
    ACHIEVEMENT = "ACHIEVEMENT", "技术成果"


class ListingStatus(models.TextChoices):
    DRAFT = "DRAFT", "草稿"
    PENDING_REVIEW = "PENDING_REVIEW", "待审核"
    LISTED = "LISTED", "已上架"
    REJECTED = "REJECTED", "审核未通过"
    DELISTED = "DELISTED", "已下架"
    IN_AUCTION = "IN_AUCTION", "竞价中"
    SOLD = "SOLD", "已成交"
    UNSOLD = "UNSOLD", "流拍"


# A patent can be offered by one listing at a time from submission until it leaves the
# market; drafts, rejected and delisted listings do not hold it.
ACTIVE_STATUSES = (ListingStatus.PENDING_REVIEW, ListingStatus.LISTED, ListingStatus.IN_AUCTION)
EDITABLE_STATUSES = (ListingStatus.DRAFT, ListingStatus.REJECTED, ListingStatus.DELISTED)


class Ownership(models.TextChoices):
    OWN = "OWN", "自有"
    AGENT = "AGENT", "代理"


class PatentType(models.TextChoices):
    INVENTION = "INVENTION", "发明专利"
    UTILITY_MODEL = "UTILITY_MODEL", "实用新型"
    DESIGN = "DESIGN", "外观设计"


class TransactionType(models.TextChoices):
    TRANSFER = "TRANSFER", "转让"
    LICENSE = "LICENSE", "许可"


class LicenceKind(models.TextChoices):
    """How exclusive a licence is (专利实施许可的方式)."""

    EXCLUSIVE = "EXCLUSIVE", "独占许可"
    SOLE = "SOLE", "排他许可"
    NON_EXCLUSIVE = "NON_EXCLUSIVE", "普通许可"


class LegalStatus(models.TextChoices):
    GRANTED = "GRANTED", "有效（已授权）"
    PENDING = "PENDING", "审中"
    OTHER = "OTHER", "其他"
    # issue 14: statuses under which a patent can no longer be sold as listed
    LAPSED = "LAPSED", "未缴年费终止"
    INVALIDATED = "INVALIDATED", "被宣告无效"
    EXPIRED = "EXPIRED", "期限届满"
    TRANSFERRED = "TRANSFERRED", "已转让"
    PLEDGED = "PLEDGED", "已质押"


# A patent under one of these statuses cannot pass to a buyer as listed (lapsed, invalid,
# expired, someone else's, or pledged: a pledged patent is not transferred without the
# pledgee, Civil Code art. 444). OTHER is unknown, not a bar.
UNSELLABLE_LEGAL_STATUSES = frozenset(
    {
        LegalStatus.LAPSED,
        LegalStatus.INVALIDATED,
        LegalStatus.EXPIRED,
        LegalStatus.TRANSFERRED,
        LegalStatus.PLEDGED,
    }
)


class Maturity(models.TextChoices):
    RESEARCH = "RESEARCH", "研发阶段"
    PROTOTYPE = "PROTOTYPE", "小试阶段"
    PILOT = "PILOT", "中试阶段"
    MASS_PRODUCTION = "MASS_PRODUCTION", "产业化阶段"


class TechField(models.TextChoices):
    """Technical fields of the trading hall's category filter."""

    ELECTRONIC_INFORMATION = "ELECTRONIC_INFORMATION", "电子信息"
    BIOMEDICINE = "BIOMEDICINE", "生物医药"
    NEW_MATERIALS = "NEW_MATERIALS", "新材料"
    ADVANCED_MANUFACTURING = "ADVANCED_MANUFACTURING", "先进制造与自动化"
    NEW_ENERGY = "NEW_ENERGY", "新能源与节能"
    ENVIRONMENT = "ENVIRONMENT", "资源与环境"
    AGRICULTURE = "AGRICULTURE", "现代农业"
    AEROSPACE = "AEROSPACE", "航空航天"
    OTHER = "OTHER", "其他"


class PaymentMethod(models.TextChoices):
    ONLINE_BIDDING = "ONLINE_BIDDING", "在线竞价"


class Listing(Reviewable):
    """A patent or technology achievement (标的物) offered by a shop.

    Drafts may be incomplete; submission checks completeness and sends it to staff review.
    """

    status = models.CharField(
        "状态",
        max_length=16,
        choices=ListingStatus.choices,
        default=ListingStatus.DRAFT,
        db_index=True,
    )
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    shop = models.ForeignKey(
        Shop, verbose_name="店铺", on_delete=models.PROTECT, related_name="listings"
    )
    type = models.CharField("类型", max_length=16, choices=ListingType.choices)
    title = models.CharField("名称", max_length=200, blank=True)
    field = models.CharField("技术领域", max_length=32, choices=TechField.choices, blank=True)
    description = models.TextField("摘要/简介", blank=True)
    rights_holders = models.JSONField("权利人", default=list, blank=True)
    transaction_type = models.CharField(
        "交易方式", max_length=16, choices=TransactionType.choices, blank=True
    )
    payment_method = models.CharField(
        "付款方式",
        max_length=16,
        choices=PaymentMethod.choices,
        default=PaymentMethod.ONLINE_BIDDING,
    )
    start_price = models.DecimalField(
        "起拍价（元）", max_digits=14, decimal_places=2, null=True, blank=True
    )
    season_opt_in = models.BooleanField("参与拍卖季", default=False)
    ownership = models.CharField("权属状态", max_length=8, choices=Ownership.choices)
    ownership_reviewed = models.BooleanField(
        "权属经审核变更", default=False, help_text="为真时不再按权利人自动判断"
    )
    agreement = models.ForeignKey(
        Agreement, verbose_name="已接受的商品发布协议", on_delete=models.PROTECT, related_name="+"
    )
    agreement_accepted_at = models.DateTimeField("接受协议时间")

    # Patents
    patent_number = models.CharField("专利号/申请号", max_length=20, blank=True, db_index=True)
    patent_type = models.CharField(
        "专利类型", max_length=16, choices=PatentType.choices, blank=True
    )
    application_date = models.DateField("申请日", null=True, blank=True)
    grant_date = models.DateField("授权日", null=True, blank=True)
    inventors = models.JSONField("发明人", default=list, blank=True)
    ipc_classes = models.JSONField("IPC分类号", default=list, blank=True)
    legal_status = models.CharField(
        "法律状态", max_length=16, choices=LegalStatus.choices, blank=True
    )

    # Technology achievements
    maturity = models.CharField("成熟度", max_length=16, choices=Maturity.choices, blank=True)
    team = models.TextField("团队介绍", blank=True)

    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    listed_at = models.DateTimeField("上架时间", null=True, blank=True)
    delisted_at = models.DateTimeField("下架时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "标的物"
        permissions = [("review_listing", "可审核标的物")]
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["patent_number"],
                condition=Q(status__in=ACTIVE_STATUSES) & ~Q(patent_number=""),
                name="listing_one_active_per_patent",
            )
        ]
        indexes = [models.Index(fields=["status", "type", "field", "-listed_at"])]

    def __str__(self) -> str:
        return self.title or f"{self.get_type_display()}（草稿）"


class ListingLicence(models.Model):
    """A licence listing's terms (许可条件): how exclusive, for how long (years, or from a
    day to a day) and where. Optional: a licence listing without them leaves the terms to
    the contract."""

    listing = models.OneToOneField(
        Listing, verbose_name="标的物", on_delete=models.CASCADE, related_name="licence_terms"
    )
    kind = models.CharField("许可方式", max_length=16, choices=LicenceKind.choices, blank=True)
    term_years = models.PositiveSmallIntegerField("许可期限（年）", null=True, blank=True)
    starts_on = models.DateField("许可起始日", null=True, blank=True)
    ends_on = models.DateField("许可截止日", null=True, blank=True)
    territory = models.CharField("许可地域", max_length=200, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "许可条件"

    def __str__(self) -> str:
        return f"{self.listing} · {self.get_kind_display()}"

    def as_tuple(self) -> tuple:
        return (self.kind, self.term_years, self.starts_on, self.ends_on, self.territory)


class OwnershipChange(Reviewable):
    """A seller's application to change a listing's ownership status, reviewed by staff."""

    listing = models.ForeignKey(
        Listing, verbose_name="标的物", on_delete=models.CASCADE, related_name="ownership_changes"
    )
    requested = models.CharField("申请变更为", max_length=8, choices=Ownership.choices)
    reason = models.TextField("申请理由")
    evidence = models.ForeignKey(
        PrivateFile,
        verbose_name="证明材料",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="申请人", on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = verbose_name_plural = "权属变更申请"
        permissions = [("review_ownershipchange", "可审核权属变更")]

    def __str__(self) -> str:
        return f"{self.listing} → {self.get_requested_display()}"


class PatentRecord(models.Model):
    """The local patent registry: the default patent information service, loaded by staff
    from CSV (``manage.py patents_load``)."""

    number = models.CharField("专利号/申请号", max_length=20, unique=True)
    title = models.CharField("专利名称", max_length=300, db_index=True)
    patent_type = models.CharField("专利类型", max_length=16, choices=PatentType.choices)
    application_date = models.DateField("申请日", null=True, blank=True)
    grant_date = models.DateField("授权日", null=True, blank=True)
    rights_holders = models.JSONField("专利权人", default=list)
    inventors = models.JSONField("发明人", default=list)
    ipc_classes = models.JSONField("IPC分类号", default=list)
    legal_status = models.CharField("法律状态", max_length=16, choices=LegalStatus.choices)
    abstract = models.TextField("摘要", blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "专利信息（本地库）"
        ordering = ["number"]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class ListingImportStatus(models.TextChoices):
    QUEUED = "QUEUED", "排队中"
    PROCESSING = "PROCESSING", "检查中"
    DONE = "DONE", "检查完成"
    FAILED = "FAILED", "无法读取"
    COMMITTED = "COMMITTED", "已上架"


class ListingImport(models.Model):
    """One uploaded batch-import workbook (批量导入): checked row by row by the worker, then
    its valid rows listed (submitted for review) in one go by the uploader."""

    shop = models.ForeignKey(
        Shop, verbose_name="店铺", on_delete=models.PROTECT, related_name="listing_imports"
    )
    type = models.CharField("类型", max_length=16, choices=ListingType.choices)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="上传人", on_delete=models.PROTECT, related_name="+"
    )
    source = models.ForeignKey(
        PrivateFile, verbose_name="上传的表格", on_delete=models.PROTECT, related_name="+"
    )
    result = models.ForeignKey(
        PrivateFile,
        verbose_name="导入结果表格",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    status = models.CharField(
        "状态",
        max_length=16,
        choices=ListingImportStatus.choices,
        default=ListingImportStatus.QUEUED,
    )
    total_rows = models.PositiveIntegerField("数据行数", default=0)
    processed_rows = models.PositiveIntegerField("已检查行数", default=0)
    valid_rows = models.PositiveIntegerField("通过行数", default=0)
    invalid_rows = models.PositiveIntegerField("有误行数", default=0)
    duplicate_rows = models.PositiveIntegerField("重复行数", default=0)
    committed_rows = models.PositiveIntegerField("已上架行数", default=0)
    error_code = models.CharField("无法读取的原因", max_length=40, blank=True)
    error_params = models.JSONField("原因参数", default=dict, blank=True)
    season_opt_in = models.BooleanField("参与拍卖季", default=False)
    created_at = models.DateTimeField("上传时间", auto_now_add=True)
    # Bumped by the worker after every batch: a PROCESSING import whose worker died stops
    # being bumped, and another worker takes it over.
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    started_at = models.DateTimeField("开始检查时间", null=True, blank=True)
    finished_at = models.DateTimeField("检查完成时间", null=True, blank=True)
    committed_at = models.DateTimeField("上架时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "批量导入"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.get_type_display()}批量导入 #{self.pk}"


class ListingImportRowStatus(models.TextChoices):
    VALID = "VALID", "通过"
    INVALID = "INVALID", "有误"
    DUPLICATE = "DUPLICATE", "重复"
    COMMITTED = "COMMITTED", "已上架"


class ListingImportRow(models.Model):
    """One data row of an import: the form it parsed to and every refusal, cell by cell."""

    listing_import = models.ForeignKey(
        ListingImport, verbose_name="批量导入", on_delete=models.CASCADE, related_name="rows"
    )
    row_number = models.PositiveIntegerField("行号")
    status = models.CharField("结果", max_length=16, choices=ListingImportRowStatus.choices)
    # The parsed form (ListingForm as JSON: dates ISO, amounts as strings).
    data = models.JSONField("解析后的内容", default=dict)
    # [{"column": 表头, "field": "patent.number", "value": "...", "code": "...", "params": {}}]
    errors = models.JSONField("问题", default=list, blank=True)
    ownership = models.CharField("权属状态", max_length=8, choices=Ownership.choices, blank=True)
    season_opt_in = models.BooleanField("参与拍卖季", default=False)
    listing = models.ForeignKey(
        Listing,
        verbose_name="标的物",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = verbose_name_plural = "批量导入行"
        ordering = ["listing_import", "row_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["listing_import", "row_number"], name="listing_import_row_unique"
            )
        ]
        indexes = [models.Index(fields=["listing_import", "status", "row_number"])]

    def __str__(self) -> str:
        return f"{self.listing_import} 第{self.row_number}行"


class LegalStatusCheckStage(models.TextChoices):
    SUBMISSION = "SUBMISSION", "提交审核时"
    BIDDING_OPEN = "BIDDING_OPEN", "竞价开始时"
    DEAL = "DEAL", "成交时"


class LegalStatusOutcome(models.TextChoices):
    SELLABLE = "SELLABLE", "可交易"
    UNSELLABLE = "UNSELLABLE", "不可交易"
    NOT_FOUND = "NOT_FOUND", "未查到"
    UNAVAILABLE = "UNAVAILABLE", "查询服务不可用"


class LegalStatusCheck(models.Model):
    """One look-up of a patent listing's legal status through the patent provider (法律状态
    核查): at submission, when its lot's bidding opens, and at the deal."""

    listing = models.ForeignKey(
        Listing,
        verbose_name="标的物",
        on_delete=models.PROTECT,
        related_name="legal_status_checks",
    )
    stage = models.CharField("核查时点", max_length=16, choices=LegalStatusCheckStage.choices)
    # The lot concerned (bidding open, deal); an id, not a key: auctions depends on listings.
    lot_id = models.PositiveIntegerField("拍品", null=True, blank=True, db_index=True)
    patent_number = models.CharField("专利号", max_length=20)
    status = models.CharField("法律状态", max_length=16, choices=LegalStatus.choices, blank=True)
    previous_status = models.CharField(
        "此前法律状态", max_length=16, choices=LegalStatus.choices, blank=True
    )
    outcome = models.CharField("结论", max_length=16, choices=LegalStatusOutcome.choices)
    needs_staff = models.BooleanField("需工作人员处理", default=False)
    checked_at = models.DateTimeField("核查时间")

    class Meta:
        verbose_name = verbose_name_plural = "法律状态核查"
        ordering = ["-checked_at", "-id"]

    def __str__(self) -> str:
        return f"{self.patent_number} {self.get_stage_display()} {self.get_outcome_display()}"
