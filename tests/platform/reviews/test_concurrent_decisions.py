import pytest

from accounts.models import SmsCode, SmsCodePurpose, User, Verification
from accounts.services.auth import sms_code_consume, sms_code_send
from kernel.errors import DomainError
from reviews.models import ReviewRecord, ReviewStatus
from tests.concurrency import postgres_only, run_together
from tests.conftest import last_code
from tests.factories import UserFactory, VerificationFactory, staff_user

pytestmark = [pytest.mark.django_db(transaction=True), postgres_only]


def test_two_reviewers_deciding_at_once_make_exactly_one_decision():
    from reviews.services import review_decide

    verification = VerificationFactory(status=ReviewStatus.PENDING)
    first, second = staff_user("13900000001"), staff_user("13900000002")

    results = run_together(
        [
            lambda: review_decide(
                model=Verification, pk=verification.pk, actor=first, approve=True
            ),
            lambda: review_decide(
                model=Verification, pk=verification.pk, actor=second, approve=False, reason="x"
            ),
        ]
    )

    refused = [r for r in results if isinstance(r, DomainError)]
    assert len(refused) == 1 and refused[0].codes == ["REVIEW_NOT_PENDING"]
    decisions = ReviewRecord.objects.exclude(action="SUBMITTED")
    assert decisions.count() == 1
    verification.refresh_from_db()
    assert verification.status == decisions.get().action


def test_one_sms_code_signs_in_only_once_under_concurrency(sms_outbox):
    user = UserFactory()
    sms_code_send(phone=user.phone, purpose=SmsCodePurpose.LOGIN, client_address="127.0.0.1")
    code = last_code(sms_outbox, user.phone)

    results = run_together(
        [
            lambda: sms_code_consume(phone=user.phone, purpose=SmsCodePurpose.LOGIN, code=code)
            for _ in range(8)
        ]
    )

    assert sum(1 for r in results if r is None) == 1
    # the losers: already used, or past the attempt cap (each try counts, right or wrong)
    assert {r.codes[0] for r in results if r is not None} <= {
        "SMS_CODE_INVALID",
        "SMS_CODE_TOO_MANY_ATTEMPTS",
    }


def test_parallel_wrong_guesses_never_exceed_the_attempt_limit(sms_outbox):
    phone = "13812345678"
    sms_code_send(phone=phone, purpose=SmsCodePurpose.REGISTER, client_address=None)
    code = last_code(sms_outbox, phone)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"

    results = run_together(
        [
            lambda: sms_code_consume(phone=phone, purpose=SmsCodePurpose.REGISTER, code=wrong)
            for _ in range(12)
        ]
    )

    codes = sorted(r.codes[0] for r in results)
    assert codes.count("SMS_CODE_INVALID") == 5
    assert codes.count("SMS_CODE_TOO_MANY_ATTEMPTS") == 7
    assert SmsCode.objects.get().attempts == 5


def test_registering_one_number_twice_at_once_creates_one_user(sms_outbox):
    from accounts.services.auth import user_register

    phone = "13812345678"
    sms_code_send(phone=phone, purpose=SmsCodePurpose.REGISTER, client_address=None)
    code = last_code(sms_outbox, phone)

    results = run_together([lambda: user_register(phone=phone, code=code) for _ in range(4)])

    assert sum(1 for r in results if isinstance(r, User)) == 1
    assert User.objects.filter(phone=phone).count() == 1


def test_codes_requested_at_once_for_one_number_send_only_one(sms_outbox):
    phone = "13812345670"

    results = run_together(
        [
            lambda: sms_code_send(
                phone=phone, purpose=SmsCodePurpose.REGISTER, client_address="127.0.0.1"
            )
            for _ in range(6)
        ]
    )

    assert sum(isinstance(r, SmsCode) for r in results) == 1
    assert {r.codes[0] for r in results if isinstance(r, DomainError)} == {"SMS_CODE_TOO_SOON"}
    assert SmsCode.objects.filter(phone=phone).count() == 1
    assert [sent for sent, _ in sms_outbox].count(phone) == 1
