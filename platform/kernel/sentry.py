"""Optional error reporting: ``SENTRY_DSN`` set, sentry-sdk is initialised (from settings,
so in every Daphne process and every worker alike); unset, it is never imported.

What is sent: unexpected exceptions of requests (the Django integration), and every log
record at ERROR or above with its exception (the logging integration: a worker loop's
failed round, a resolver's unexpected error as strawberry logs it). Never personal data:
no user, no client address, no cookies, no request body (GraphQL variables carry phone
numbers and codes) and no local variables in the stack frames. Each event carries the
``request_id`` tag of the log lines it goes with (an SMS's delivery keeps its request's).
"""


def _tag_request_id(event: dict, hint: dict) -> dict:
    from kernel.logs import current_request_id

    request_id = current_request_id()
    if request_id:
        event.setdefault("tags", {})["request_id"] = request_id
    return event


def sentry_init(
    *, dsn: str, environment: str, release: str | None, traces_sample_rate: float
) -> None:
    import sentry_sdk
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        integrations=[DjangoIntegration()],
        environment=environment,
        release=release,
        send_default_pii=False,
        include_local_variables=False,
        max_request_body_size="never",
        traces_sample_rate=traces_sample_rate,
        before_send=_tag_request_id,
    )
