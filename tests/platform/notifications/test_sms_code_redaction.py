from datetime import timedelta

import pytest
import time_machine

from accounts.models import SmsCodePurpose
from accounts.services.auth import sms_code_send
from kernel.clock import now
from notifications.models import SmsMessage, SmsStatus
from notifications.services import sms_deliver, sms_dispatch_due, sms_send
from tests.conftest import last_code

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_delivered_code_is_not_kept_in_the_outbox(sms_outbox):
    sms_code_send(phone="13812345678", purpose=SmsCodePurpose.REGISTER, client_address=None)
    code = last_code(sms_outbox, "13812345678")

    message = SmsMessage.objects.get()
    assert message.status == SmsStatus.SENT
    assert code not in message.text
    assert "验证码为******" in message.text
    assert message.redacted_text == ""


def test_a_code_that_could_not_be_sent_in_time_expires_unsent_and_is_redacted(settings):
    settings.SMS_BACKEND = "notifications.sms.HttpGatewayBackend"
    settings.SMS_GATEWAY_URL = ""  # every delivery fails
    message = sms_send(
        phone="13812345678",
        text="验证码为123456",
        redacted_text="验证码为******",
        expires_at=now() + timedelta(minutes=5),
    )
    sms_dispatch_due()  # the worker's sms loop
    message.refresh_from_db()
    assert message.status == SmsStatus.FAILED
    assert message.text == "验证码为123456"  # kept for a retry while still useful

    settings.SMS_BACKEND = "notifications.sms.InMemoryBackend"
    with time_machine.travel(now() + timedelta(minutes=6)):
        stale = sms_deliver(message_id=message.pk)

    assert stale.status == SmsStatus.EXPIRED
    assert stale.text == "验证码为******"
    assert stale.attempts == 1
