from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models

from files.models import PrivateFile
from reviews.models import Reviewable


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, phone: str, password: str | None = None, **extra):
        user = self.model(phone=phone, **extra)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_superuser(self, phone: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(phone, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """Anyone registered with a mainland mobile number; staff are users with ``is_staff``."""

    phone = models.CharField("手机号", max_length=11, unique=True)
    name = models.CharField(
        "姓名", max_length=50, blank=True, help_text="工作人员在审核记录中显示的姓名"
    )
    is_staff = models.BooleanField("工作人员", default=False)
    is_active = models.BooleanField("启用", default=True)
    date_joined = models.DateTimeField("注册时间", auto_now_add=True)

    objects = UserManager()

    USERNAME_FIELD = "phone"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = verbose_name_plural = "用户"

    def __str__(self) -> str:
        return self.phone

    @property
    def display_name(self) -> str:
        """How this user is named to others: a staff name, else the masked number."""
        return self.name or f"{self.phone[:3]}****{self.phone[-4:]}"


class SmsCodePurpose(models.TextChoices):
    REGISTER = "REGISTER", "注册"
    LOGIN = "LOGIN", "登录"


class SmsCode(models.Model):
    """A one-time SMS verification code. Only a keyed hash of the code is stored."""

    phone = models.CharField("手机号", max_length=11)
    purpose = models.CharField("用途", max_length=16, choices=SmsCodePurpose.choices)
    code_hash = models.CharField("验证码摘要", max_length=64)
    client_address = models.GenericIPAddressField("请求地址", null=True, blank=True)
    created_at = models.DateTimeField("发送时间", db_index=True)
    expires_at = models.DateTimeField("过期时间")
    attempts = models.PositiveSmallIntegerField("尝试次数", default=0)
    used_at = models.DateTimeField("使用时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "短信验证码"
        indexes = [
            models.Index(fields=["phone", "created_at"]),
            models.Index(fields=["client_address", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.phone} {self.purpose} {self.created_at:%Y-%m-%d %H:%M:%S}"


class ApiToken(models.Model):
    """A bearer token for mobile apps: random, stored as a SHA-256 digest, expiring, revocable."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="用户",
        on_delete=models.CASCADE,
        related_name="tokens",
    )
    name = models.CharField("设备/名称", max_length=100, blank=True)
    key_digest = models.CharField("令牌摘要", max_length=64, unique=True)
    prefix = models.CharField("令牌前缀", max_length=12)
    created_at = models.DateTimeField("创建时间")
    expires_at = models.DateTimeField("过期时间")
    last_used_at = models.DateTimeField("最近使用", null=True, blank=True)
    revoked_at = models.DateTimeField("吊销时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "访问令牌"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"


class VerificationKind(models.TextChoices):
    PERSONAL = "PERSONAL", "个人实名认证"
    INSTITUTION = "INSTITUTION", "机构实名认证"


class CertificateType(models.TextChoices):
    PUBLIC_INSTITUTION = "PUBLIC_INSTITUTION", "事业单位法人证书"
    SOCIAL_ORGANIZATION = "SOCIAL_ORGANIZATION", "社会团体法人登记证书"
    BUSINESS_LICENSE = "BUSINESS_LICENSE", "营业执照"


class Verification(Reviewable):
    """Real-name verification (实名认证) of a user, as a person or as an institution."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name="用户",
        on_delete=models.PROTECT,
        related_name="verification",
    )
    kind = models.CharField("认证类型", max_length=16, choices=VerificationKind.choices)
    name = models.CharField("姓名/机构名称", max_length=100)
    id_number = models.CharField("居民身份证号", max_length=18, blank=True)
    credit_code = models.CharField("统一社会信用代码", max_length=18, blank=True)
    certificate_type = models.CharField(
        "证书类型", max_length=24, choices=CertificateType.choices, blank=True
    )
    certificate = models.ForeignKey(
        PrivateFile,
        verbose_name="证书文件",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = verbose_name_plural = "实名认证"
        permissions = [("review_verification", "可审核实名认证")]

    def __str__(self) -> str:
        return f"{self.name}（{self.get_kind_display()}）"


class IdentityKind(models.TextChoices):
    UNIVERSITY = "UNIVERSITY", "高校"
    RESEARCH_INSTITUTE = "RESEARCH_INSTITUTE", "科研院所"
    STATE_OWNED_ENTERPRISE = "STATE_OWNED_ENTERPRISE", "国有企业"
    OTHER_ENTERPRISE = "OTHER_ENTERPRISE", "其他企业"
    SOCIAL_ORGANIZATION = "SOCIAL_ORGANIZATION", "社会组织"
    INDIVIDUAL = "INDIVIDUAL", "个人"

    @classmethod
    def for_institutions(cls) -> set[str]:
        return {kind for kind in cls.values if kind != cls.INDIVIDUAL}


class Identity(Reviewable):
    """An identity application (身份申请): the role under which a verified user sells."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="用户",
        on_delete=models.PROTECT,
        related_name="identities",
    )
    kind = models.CharField("身份类型", max_length=32, choices=IdentityKind.choices)
    certificate = models.ForeignKey(
        PrivateFile,
        verbose_name="证明文件",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = verbose_name_plural = "身份申请"
        permissions = [("review_identity", "可审核身份申请")]
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="identity_one_per_kind_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.get_kind_display()}"
