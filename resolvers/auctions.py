from collections.abc import Iterable
from datetime import datetime
from typing import Annotated

import strawberry
import strawberry_django
from strawberry import relay

from auctions.models import AuctionSession, Lot, Registration, Season
from auctions.selectors import lots_in_hall, registrations_of, seasons_all
from auctions.services.bidding import bid_place, proxy_bid_set
from auctions.services.registration import registration_deposit_confirm, registration_submit
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
    LotType,
    ProxyBidPayload,
    ProxyBidSetInput,
    RegistrationIdInput,
    RegistrationPayload,
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
        Connection[LotType],
        description="The trading hall's lots (交易大厅), ending soonest first.",
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
    ) -> Iterable[Lot]:
        try:
            season = _pk(season_id, Season, "seasonId")
            session = _pk(session_id, AuctionSession, "sessionId")
        except DomainError:
            return Lot.objects.none()
        return lots_in_hall(
            at=now(),
            phase=phase.value if phase else None,
            season_id=season,
            session_id=session,
            type=type.value if type else None,
            field=field.value if field else None,
        )

    @strawberry_django.connection(
        Connection[RegistrationType],
        permission_classes=staff_with(Perm.REVIEW_REGISTRATION),
        description="Staff: buyer registrations to review, oldest first.",
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
        Connection[RegistrationType],
        permission_classes=[IsAuthenticated],
        description="My auctions: your registrations, newest first.",
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
        description="Staff: put a listed, season-opted-in listing up in a session.",
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
                increment=input.increment,
                reserve_price=input.reserve_price,
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
