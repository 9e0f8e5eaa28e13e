from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Annotated

import strawberry
import strawberry_django
from strawberry import relay
from strawberry_django.relay import DjangoCursorConnection

from auctions.models import AuctionSession, Lot, Registration, Season
from auctions.selectors import lots_in_hall, registrations_of, seasons_all
from auctions.services.bidding import bid_place, proxy_bid_set
from auctions.services.registration import (
    registration_deposit_confirm,
    registration_priority_mark,
    registration_submit,
)
from auctions.services.setup import lot_create, season_create, session_create
from kernel.clock import now
from kernel.errors import DomainError
from kernel.metrics import BIDS
from kernel.permissions import Perm
from listings.models import Listing
from reviews.selectors import review_queue
from schema.auctions import (
    BidPlaceInput,
    BidPlacePayload,
    LotCreateInput,
    LotPayload,
    LotPhaseEnum,
    LotSortEnum,
    LotType,
    ProxyBidPayload,
    ProxyBidSetInput,
    RegistrationIdInput,
    RegistrationPayload,
    RegistrationPriorityMarkInput,
    RegistrationSubmitInput,
    RegistrationType,
    SeasonCreateInput,
    SeasonPayload,
    SeasonType,
    SessionCreateInput,
    SessionPayload,
)
from schema.connections import Connection
from schema.context import Info
from schema.errors import errors_from
from schema.listings import ListingTypeEnum, TechFieldEnum
from schema.permissions import IsAuthenticated, staff_with
from schema.reviews import ReviewStatusEnum, ReviewStatusFilter
from shops.models import Shop

from .ids import decode_id
from .payloads import payload


def _pk(global_id: relay.GlobalID | None, model, field: str) -> int | None:
    return decode_id(global_id, model, field=field) if global_id is not None else None


@strawberry.type
class AuctionQuery:
    lot: LotType | None = strawberry_django.node(
        description="One lot by id (the detail page; re-read it after a gap in a live feed)."
    )

    @strawberry.field(description="The server's time now: count down from this, not the device.")
    def server_time(self) -> datetime:
        return now()

    @strawberry_django.connection(
        Connection[SeasonType], description="Auction seasons, newest first."
    )
    def seasons(self) -> Iterable[Season]:
        return seasons_all()

    @strawberry_django.connection(
        DjangoCursorConnection[LotType],
        description="The trading hall's lots (交易大厅), ending soonest first unless `sort` "
        "says otherwise. Keyset cursors: a page resumes after the last lot you saw, so lots "
        "that start, end or change price meanwhile neither shift nor repeat the others.",
    )
    def lots(
        self,
        phase: Annotated[
            LotPhaseEnum | None, strawberry.argument(description="Only lots in this phase.")
        ] = None,
        season_id: Annotated[
            relay.GlobalID | None, strawberry.argument(description="Only this Season's lots.")
        ] = None,
        session_id: Annotated[
            relay.GlobalID | None,
            strawberry.argument(description="Only this AuctionSession's lots."),
        ] = None,
        type: Annotated[
            ListingTypeEnum | None,
            strawberry.argument(description="Only patents or only achievements."),
        ] = None,
        field: Annotated[
            TechFieldEnum | None, strawberry.argument(description="Only this technical field.")
        ] = None,
        shop_id: Annotated[
            relay.GlobalID | None,
            strawberry.argument(description="Only lots of this Shop's listings."),
        ] = None,
        search: Annotated[
            str | None,
            strawberry.argument(
                description="Part of the listing's title, or its patent number in any "
                "written form (ZL202110123456.7, 202110123456.7, 2021101234567)."
            ),
        ] = None,
        min_price: Annotated[
            Decimal | None,
            strawberry.argument(
                description="Only lots priced at least this, CNY (the current price, or "
                "the start price before any bid)."
            ),
        ] = None,
        max_price: Annotated[
            Decimal | None,
            strawberry.argument(description="Only lots priced at most this, CNY (as minPrice)."),
        ] = None,
        sort: Annotated[
            LotSortEnum,
            strawberry.argument(description="The order; default ending soonest first."),
        ] = LotSortEnum.ENDING_SOONEST,
    ) -> Iterable[Lot]:
        try:
            season = _pk(season_id, Season, "seasonId")
            session = _pk(session_id, AuctionSession, "sessionId")
            shop = _pk(shop_id, Shop, "shopId")
        except DomainError:
            return Lot.objects.none()
        return lots_in_hall(
            at=now(),
            phase=phase.value if phase else None,
            season_id=season,
            session_id=session,
            shop_id=shop,
            type=type.value if type else None,
            field=field.value if field else None,
            search=search,
            min_price=min_price,
            max_price=max_price,
            sort=sort.value,
        )

    @strawberry_django.connection(
        DjangoCursorConnection[RegistrationType],
        permission_classes=staff_with(Perm.REVIEW_REGISTRATION),
        description="Staff: buyer registrations to review, oldest first (keyset cursors: "
        "decisions taken meanwhile never make the next page skip one).",
    )
    def registration_queue(
        self,
        info: Info,
        status: ReviewStatusFilter = ReviewStatusEnum.PENDING,
    ) -> Iterable[Registration]:
        return review_queue(
            Registration, user=info.context.user, status=status.value if status else None
        )

    @strawberry_django.connection(
        DjangoCursorConnection[RegistrationType],
        permission_classes=[IsAuthenticated],
        description="My auctions: your registrations, newest first (keyset cursors).",
    )
    def my_registrations(self, info: Info) -> Iterable[Registration]:
        return registrations_of(info.context.user)


@strawberry.type
class AuctionMutation:
    @strawberry.mutation(
        description="Staff: create an auction season.",
        permission_classes=staff_with(Perm.MANAGE_AUCTIONS),
    )
    def season_create(self, info: Info, input: SeasonCreateInput) -> SeasonPayload:
        return payload(
            SeasonPayload,
            "season",
            lambda: season_create(
                actor=info.context.user,
                name=input.name,
                rules=input.rules,
                deposit_required=input.deposit_required,
                deposit_amount=input.deposit_amount,
                anti_sniping_minutes=input.anti_sniping_minutes,
                default_increment=input.default_increment,
                max_licences_per_lot=input.max_licences_per_lot,
            ),
        )

    @strawberry.mutation(
        description="Staff: create a session (auction day, notice and bidding times).",
        permission_classes=staff_with(Perm.MANAGE_AUCTIONS),
    )
    def session_create(self, info: Info, input: SessionCreateInput) -> SessionPayload:
        return payload(
            SessionPayload,
            "session",
            lambda: session_create(
                actor=info.context.user,
                season_id=decode_id(input.season_id, Season, field="seasonId"),
                name=input.name,
                auction_day=input.auction_day,
                notice_starts_at=input.notice_starts_at,
                bidding_starts_at=input.bidding_starts_at,
                bidding_ends_at=input.bidding_ends_at,
            ),
        )

    @strawberry.mutation(
        description="Staff: put a listed, season-opted-in listing up in a session, alone "
        "or with more of its shop's listings as one package (专利包), or as several "
        "non-exclusive licences where the season allows it.",
        permission_classes=staff_with(Perm.MANAGE_AUCTIONS),
    )
    def lot_create(self, info: Info, input: LotCreateInput) -> LotPayload:
        return payload(
            LotPayload,
            "lot",
            lambda: lot_create(
                actor=info.context.user,
                session_id=decode_id(input.session_id, AuctionSession, field="sessionId"),
                listing_id=decode_id(input.listing_id, Listing, field="listingId"),
                package_listing_ids=[
                    decode_id(listing_id, Listing, field=f"packageListingIds.{index}")
                    for index, listing_id in enumerate(input.package_listing_ids)
                ],
                increment=input.increment,
                reserve_price=input.reserve_price,
                licence_count=input.licence_count,
            ),
        )

    @strawberry.mutation(
        description="Register for a lot in its notice phase with the signed commitment "
        "letter, before 16:00 the day before the auction day. Staff review it.",
        permission_classes=[IsAuthenticated],
    )
    def registration_submit(
        self, info: Info, input: RegistrationSubmitInput
    ) -> RegistrationPayload:
        return payload(
            RegistrationPayload,
            "registration",
            lambda: registration_submit(
                user=info.context.user,
                lot_id=decode_id(input.lot_id, Lot, field="lotId"),
                commitment_letter=input.commitment_letter,
            ),
        )

    @strawberry.mutation(
        description="Staff: confirm a registrant's deposit (seasons that take one).",
        permission_classes=staff_with(Perm.REVIEW_REGISTRATION),
    )
    def registration_deposit_confirm(
        self, info: Info, input: RegistrationIdInput
    ) -> RegistrationPayload:
        return payload(
            RegistrationPayload,
            "registration",
            lambda: registration_deposit_confirm(
                actor=info.context.user,
                registration_id=decode_id(input.id, Registration, field="id"),
            ),
        )

    @strawberry.mutation(
        description="Staff: record that an approved registrant holds the priority purchase "
        "right (优先购买权: a co-owner of the patent, an existing licensee) with its order, "
        "or that it does not; only before the lot's bidding opens.",
        permission_classes=staff_with(Perm.REVIEW_REGISTRATION),
    )
    def registration_priority_mark(
        self, info: Info, input: RegistrationPriorityMarkInput
    ) -> RegistrationPayload:
        return payload(
            RegistrationPayload,
            "registration",
            lambda: registration_priority_mark(
                actor=info.context.user,
                registration_id=decode_id(input.id, Registration, field="id"),
                order=input.order,
                basis=input.basis.value if input.basis else None,
                reason=input.reason,
            ),
        )

    @strawberry.mutation(
        description="Bid (出价): approved registrants, in the bidding phase.",
        permission_classes=[IsAuthenticated],
    )
    def bid_place(self, info: Info, input: BidPlaceInput) -> BidPlacePayload:
        try:
            outcome = bid_place(
                user=info.context.user,
                lot_id=decode_id(input.lot_id, Lot, field="lotId"),
                amount=input.amount,
                idempotency_key=input.idempotency_key,
            )
        except DomainError as exc:
            BIDS.labels("refused").inc()
            return BidPlacePayload(bid=None, lot=None, replayed=False, errors=errors_from(exc))
        BIDS.labels("replayed" if outcome.replayed else "accepted").inc()
        return BidPlacePayload(
            bid=outcome.bid, lot=outcome.lot, replayed=outcome.replayed, errors=[]
        )

    @strawberry.mutation(
        description="Set or raise your maximum (代理出价): the platform bids for you in "
        "whole increments when you are outbid, up to it; of equal maxima the earlier wins.",
        permission_classes=[IsAuthenticated],
    )
    def proxy_bid_set(self, info: Info, input: ProxyBidSetInput) -> ProxyBidPayload:
        try:
            proxy, lot = proxy_bid_set(
                user=info.context.user,
                lot_id=decode_id(input.lot_id, Lot, field="lotId"),
                max_amount=input.max_amount,
            )
        except DomainError as exc:
            return ProxyBidPayload(max_amount=None, lot=None, errors=errors_from(exc))
        return ProxyBidPayload(max_amount=proxy.max_amount, lot=lot, errors=[])
