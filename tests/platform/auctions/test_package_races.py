"""Two packages created at once over a shared listing, on PostgreSQL with real
connections: the listing ends up in one open lot only."""

import pytest

from auctions.models import Lot, LotItem
from auctions.services.setup import lot_create
from kernel.errors import DomainError
from tests.concurrency import postgres_only, run_together
from tests.factories import ListingFactory, auction_session, open_shop, staff_user

pytestmark = [pytest.mark.django_db(transaction=True), postgres_only]


def test_a_listing_shared_by_two_packages_created_at_once_goes_into_one_of_them():
    from django.contrib.auth.models import Permission

    manager = staff_user()
    manager.user_permissions.add(Permission.objects.get(codename="manage_auctions"))
    session = auction_session(phase="NOTICE")
    shop = open_shop()
    shared, first, second = (ListingFactory(shop=shop, season_opt_in=True) for _ in range(3))

    def put_up(*others):
        return lambda: lot_create(
            actor=manager,
            session_id=session.pk,
            listing_id=shared.pk,
            package_listing_ids=[other.pk for other in others],
        )

    results = run_together([put_up(first), put_up(second)])

    created = [r for r in results if isinstance(r, Lot)]
    refused = [r for r in results if isinstance(r, DomainError)]
    assert (len(created), len(refused)) == (1, 1), results
    assert refused[0].codes == ["LISTING_ALREADY_IN_LOT"]
    assert LotItem.objects.filter(listing=shared).count() == 1
    shared.refresh_from_db()
    assert shared.status == "IN_AUCTION"
