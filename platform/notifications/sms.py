"""SMS backends. ``settings.SMS_BACKEND`` names the class; each has ``send(phone, text)``
that returns normally when the message was accepted and raises ``SmsDeliveryError`` when not.
"""

import http.client
import json
import sys
import threading
import urllib.error
import urllib.request

from django.conf import settings
from django.utils.module_loading import import_string


class SmsDeliveryError(Exception):
    pass


class ConsoleBackend:
    """Development default: one line per message on standard output."""

    def send(self, phone: str, text: str) -> None:
        sys.stdout.write(f"SMS to {phone}: {text}\n")
        sys.stdout.flush()


class InMemoryBackend:
    """For tests: messages collect in ``InMemoryBackend.outbox`` (a list of (phone, text))."""

    outbox: list[tuple[str, str]] = []
    _lock = threading.Lock()

    def send(self, phone: str, text: str) -> None:
        with self._lock:
            InMemoryBackend.outbox.append((phone, text))


class HttpGatewayBackend:
    """Adapter for an HTTP SMS gateway: POST {"phone", "text"} as JSON with a bearer key.

    Any 2xx answer is success; anything else, or no answer within the timeout, is a failure
    recorded on the outbox row.
    """

    def send(self, phone: str, text: str) -> None:
        if not settings.SMS_GATEWAY_URL:
            raise SmsDeliveryError("SMS_GATEWAY_URL is not set")
        headers = {"Content-Type": "application/json"}
        if settings.SMS_GATEWAY_KEY:
            headers["Authorization"] = f"Bearer {settings.SMS_GATEWAY_KEY}"
        request = urllib.request.Request(
            settings.SMS_GATEWAY_URL,
            data=json.dumps({"phone": phone, "text": text}).encode(),
            headers=headers,
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=settings.SMS_GATEWAY_TIMEOUT) as answer:
                if not 200 <= answer.status < 300:
                    raise SmsDeliveryError(f"gateway answered HTTP {answer.status}")
        except (urllib.error.URLError, http.client.HTTPException, OSError) as exc:
            raise SmsDeliveryError(str(exc)) from exc


def get_backend():
    return import_string(settings.SMS_BACKEND)()
