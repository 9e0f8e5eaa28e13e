"""The auction clock: publish phase changes and finalize ended lots, exactly once each.

Safe to run as several copies: lots are claimed with ``select_for_update(skip_locked=True)``
and phase changes are published only by the process whose conditional update wins. Bids
never depend on it: the bid path judges the end by the database clock itself.
"""

from django.db import transaction
from django.db.models import Q

from auctions.events import lot_ended, lot_phase_changed, publish_lot_events
from auctions.models import Lot, LotPhase, LotResult
from auctions.services.registration import registrations_record_priority_waivers
from deals.services import deal_open
from kernel.clock import db_now
from listings.models import ListingStatus
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


def _finalize(lot: Lot, at) -> None:
    sold = lot.leader_id is not None and (
        lot.reserve_price is None or lot.current_price >= lot.reserve_price
    )
    lot.result = LotResult.SOLD if sold else LotResult.UNSOLD
    lot.final_price = lot.current_price if sold else None
    lot.winner = lot.leader if sold else None
    lot.finalized_at = at
    lot.published_phase = LotPhase.ENDED
    lot.save(update_fields=["result", "final_price", "winner", "finalized_at", "published_phase"])
    registrations_record_priority_waivers(lot, at)  # holders who never bid waived the right
    listing = lot.listing
    listing.status = ListingStatus.SOLD if sold else ListingStatus.UNSOLD
    listing.save(update_fields=["status", "updated_at"])

    seller = listing.shop.identity.user
    title = listing.title
    if sold:
        # The deal is part of the sale: one transaction, never one without the other. Its
        # notice (a PDF in the store) follows the commit: deals.services.deals_issue_notices.
        deal = deal_open(lot=lot)
        deadline = f"{deal.contract_deadline:%Y年%m月%d日}"
        notify(
            user=lot.winner.user,
            kind="lot.won",
            title="竞价成功",
            text=f"【省技术产权交易市场】恭喜您以{lot.final_price:.2f}元竞得「{title}」"
            f"（竞买号{lot.winner.bidder_number}）。成交通知书已出具（{deal.serial}），"
            f"请于{deadline}前签署技术交易合同并上传。",
            subject=deal,
        )
        notify(
            user=seller,
            kind="lot.sold",
            title="拍品已成交",
            text=f"【省技术产权交易市场】您的「{title}」已以{lot.final_price:.2f}元成交"
            f"（{deal.serial}），请于{deadline}前与买受人签署技术交易合同并上传。",
            subject=deal,
        )
    else:
        notify(
            user=seller,
            kind="lot.unsold",
            title="拍品流拍",
            text=f"【省技术产权交易市场】您的「{title}」本场竞价未成交（流拍），可参加后续场次。",
            subject=lot,
        )
    publish_lot_events(lot, [lot_phase_changed(lot, LotPhase.ENDED, at), lot_ended(lot, at)])


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
            .order_by("ends_at", "pk")[:limit]
        )
        for lot in lots:
            _finalize(lot, at)
    return len(lots)
