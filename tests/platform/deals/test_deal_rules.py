"""Deal.certificate_pending (the API's certificatePending), on unsaved rows."""

from deals.models import Deal, DealStatus


def test_certificate_pending_from_delivery_until_the_certificate_is_stored():
    assert Deal(status=DealStatus.DELIVERED).certificate_pending()
    assert not Deal(status=DealStatus.DELIVERED, certificate_id=1).certificate_pending()
    for status in set(DealStatus) - {DealStatus.DELIVERED}:
        assert not Deal(status=status).certificate_pending()
