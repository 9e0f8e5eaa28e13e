"""The auction clock: publish phase changes and finalize ended lots, exactly once each.

Safe to run as several copies: lots are claimed with ``select_for_update(skip_locked=True)``
and phase changes are published only by the process whose conditional update wins. Bids
never depend on it: the bid path judges the end by the database clock itself.
"""

from decimal import Decimal

from django.db import transaction
from django.db.models import Q

from auctions.events import lot_ended, lot_phase_changed, publish_lot_events
from auctions.models import Bid, Lot, LotPhase, LotResult, Registration
from auctions.services.registration import registrations_record_priority_waivers
from deals.services import deal_open
from kernel.clock import db_now
from listings.models import Listing, ListingStatus
from notifications.services import notify


def lots_publish_phases(*, limit: int = 500) -> int:
    """Tell watchers when lots enter their notice and bidding phases."""
    at = db_now()
    due = (
        Lot.objects.filter(result="")
        .filter(
            Q(published_phase=LotPhase.SCHEDULED, session__notice_starts_at__lte=at)
            | Q(published_phase=LotPhase.NOTICE, session__bidding_starts_at__lte=at)
        )
        .select_related("session")[:limit]
    )
    published = 0
    for lot in due:
        phase = lot.phase_at(at)
        if phase in (lot.published_phase, LotPhase.ENDED):
            continue  # the end is announced by the finalizer
        with transaction.atomic():
            won = Lot.objects.filter(pk=lot.pk, published_phase=lot.published_phase).update(
                published_phase=phase
            )
            if won:
                publish_lot_events(lot, [lot_phase_changed(lot, phase, at)])
                published += 1
    return published


def lot_winners(lot: Lot) -> list[tuple[Registration, Decimal]]:
    """Who gets the lot, each with the price they pay, best first.

    One winner, the leader at the current price, for an ordinary lot. A lot selling
    ``licence_count`` N > 1 non-exclusive licences goes to the N highest distinct bidders,
    each at their own highest bid: the leader first (as the bidding engine ranked them), then
    the others by their highest bid, the earlier bid first between equal amounts. Below the
    reserve price nobody wins.
    """
    if lot.leader_id is None:
        return []
    winners = [(lot.leader, lot.current_price)]
    if lot.licence_count > 1:
        seen = {lot.leader_id}
        ranked = (
            Bid.objects.filter(lot=lot)
            .exclude(registration_id=lot.leader_id)
            .order_by("-amount", "seq")
            .values_list("registration_id", "amount")
        )
        others = []
        for registration_id, amount in ranked.iterator(chunk_size=200):
            if registration_id in seen:
                continue
            seen.add(registration_id)
            others.append((registration_id, amount))
            if len(others) == lot.licence_count - 1:
                break
        registrations = Registration.objects.select_related("user").in_bulk(
            [registration_id for registration_id, _ in others]
        )
        winners += [(registrations[pk], amount) for pk, amount in others]
    if lot.reserve_price is not None:
        winners = [(who, price) for who, price in winners if price >= lot.reserve_price]
    return winners


def _finalize(lot: Lot, at) -> None:
    winners = lot_winners(lot)
    sold = bool(winners)
    lot.result = LotResult.SOLD if sold else LotResult.UNSOLD
    lot.final_price = winners[0][1] if sold else None
    lot.winner = winners[0][0] if sold else None
    lot.finalized_at = at
    lot.published_phase = LotPhase.ENDED
    lot.save(update_fields=["result", "final_price", "winner", "finalized_at", "published_phase"])
    registrations_record_priority_waivers(lot, at)  # holders who never bid waived the right
    # A package is sold or unsold as one: every listing of it follows the lot.
    listings = lot.listings_in_order()
    Listing.objects.filter(pk__in=[listing.pk for listing in listings]).update(
        status=ListingStatus.SOLD if sold else ListingStatus.UNSOLD, updated_at=at
    )

    seller = lot.listing.shop.identity.user
    title = lot.subject_title()
    several = len(winners) > 1
    for rank, (registration, price) in enumerate(winners, start=1):
        # The deal is part of the sale: one transaction, never one without the other. Its
        # notice (a PDF in the store) follows the commit: deals.services.deals_issue_notices.
        deal = deal_open(lot=lot, registration=registration, price=price, rank=rank)
        deadline = f"{deal.contract_deadline:%Y年%m月%d日}"
        won = f"获得「{title}」的普通许可（第{rank}名）" if several else f"竞得「{title}」"
        notify(
            user=registration.user,
            kind="lot.won",
            title="竞价成功",
            text=f"【省技术产权交易市场】恭喜您以{price:.2f}元{won}"
            f"（竞买号{registration.bidder_number}）。成交通知书已出具（{deal.serial}），"
            f"请于{deadline}前签署技术交易合同并上传。",
            subject=deal,
        )
        sold_to = f"的一份普通许可（第{rank}名）" if several else ""
        notify(
            user=seller,
            kind="lot.sold",
            title="拍品已成交",
            text=f"【省技术产权交易市场】您的「{title}」{sold_to}已以{price:.2f}元成交"
            f"（{deal.serial}），请于{deadline}前与买受人签署技术交易合同并上传。",
            subject=deal,
        )
    if not sold:
        notify(
            user=seller,
            kind="lot.unsold",
            title="拍品流拍",
            text=f"【省技术产权交易市场】您的「{title}」本场竞价未成交（流拍），可参加后续场次。",
            subject=lot,
        )
    ended = lot_ended(lot, at, winners=winners)
    publish_lot_events(lot, [lot_phase_changed(lot, LotPhase.ENDED, at), ended])


def lots_finalize_due(*, limit: int = 100) -> int:
    """Close every lot whose end (with extensions) has passed: winner or unsold, once."""
    at = db_now()
    with transaction.atomic():
        lots = list(
            Lot.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(result="", ends_at__lte=at)
            .select_related(
                "session",
                "listing__shop__identity__user",
                "leader__user",
            )
            .prefetch_related("items__listing")
            .order_by("ends_at", "pk")[:limit]
        )
        for lot in lots:
            _finalize(lot, at)
    return len(lots)
