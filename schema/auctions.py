from datetime import date, datetime
from decimal import Decimal

import strawberry
import strawberry_django
from django.db.models import F, Prefetch
from strawberry import relay
from strawberry_django.relay import DjangoCursorConnection

from auctions.models import (
    AuctionSession,
    Bid,
    Lot,
    LotItem,
    LotPhase,
    LotPull,
    LotPullStatus,
    LotResult,
    PriorityBasis,
    Registration,
    Season,
    lot_phase,
)
from auctions.selectors import (
    VIEWER_STANDING_FIELDS,
    LotSort,
    ViewerStanding,
    approved_registrant_count,
    legal_status_checks_of_lot,
    lot_default_order,
    lot_winners_public,
    priority_holder_count,
    registrations_visible_to,
    viewer_standing,
    viewer_standing_annotations,
    viewer_standing_of,
)
from auctions.services.chain import CHAIN_FIELDS, bid_chain_advance
from auctions.services.registration import registration_deadline_for
from kernel.clock import now
from kernel.keyset import key
from kernel.permissions import Perm
from reviews.models import ReviewStatus

from .context import Info
from .errors import Error
from .fields import blank_as_null
from .files import FileType
from .legal_status import LegalStatusCheckType
from .listings import ListingNode
from .permissions import staff_with
from .reviews import ReviewableInterface, ReviewStatusEnum
from .visibility import visible_rows

LotPhaseEnum = strawberry.enum(
    LotPhase,
    name="LotPhase",
    description="SCHEDULED -> NOTICE (公示, registration) -> BIDDING (竞价) -> ENDED.",
)
LotResultEnum = strawberry.enum(
    LotResult, name="LotResult", description="成交, 流拍 or 撤拍 (pulled before bidding)."
)
LotSortEnum = strawberry.enum(
    LotSort,
    name="LotSort",
    description="The trading hall's orders of lots (ties broken by lot, so pages never overlap).",
)
ViewerStandingEnum = strawberry.enum(
    ViewerStanding,
    name="ViewerStanding",
    description="Where you stand on a lot: not registered, registration pending or "
    "rejected, approved but not bidding, leading, outbid; once the result is out, won or "
    "lost.",
)


@strawberry_django.type(Season, name="Season", description="An auction season (拍卖季).")
class SeasonType(relay.Node):
    name: str = strawberry_django.field(description="The season's name, e.g. 2026年春季专利拍卖季.")
    rules: str = strawberry_django.field(description="The auction rules text.")
    deposit_required: bool = strawberry_django.field(
        description="Buyers pay a deposit (保证金) to register."
    )
    deposit_amount: Decimal | None = strawberry_django.field(
        description="The deposit per lot, CNY."
    )
    anti_sniping_minutes: int = strawberry_django.field(
        description="A bid in the last N minutes moves the end to N minutes after it."
    )
    default_increment: Decimal = strawberry_django.field(
        description="加价幅度 of lots that set none, CNY."
    )
    max_licences_per_lot: int = strawberry_django.field(
        description="How many non-exclusive licences one lot may sell (its licenceCount, to "
        "the highest distinct bidders at their own prices); 1: one winner per lot."
    )
    sessions: list["AuctionSessionType"] = strawberry_django.field(
        description="Its auction days, by date."
    )


@strawberry_django.type(
    AuctionSession, name="AuctionSession", description="One auction day (场次) of a season."
)
class AuctionSessionType(relay.Node):
    season: SeasonType = strawberry_django.field(description="The season it belongs to.")
    name: str = strawberry_django.field(description="The session's name.")
    auction_day: date = strawberry_django.field(description="The auction day (Asia/Shanghai).")
    notice_starts_at: datetime = strawberry_django.field(
        description="公告期 starts: lots are shown, registration opens."
    )
    bidding_starts_at: datetime = strawberry_django.field(description="Bidding opens.")
    bidding_ends_at: datetime = strawberry_django.field(
        description="The scheduled end; each lot's endsAt may move later (anti-sniping)."
    )
    lots: DjangoCursorConnection["LotType"] = strawberry_django.connection(
        description="The session's lots in the hall, ending soonest first (keyset cursors)."
    )


@strawberry_django.type(Bid, name="Bid", description="One accepted bid, public: no names.")
class BidType(relay.Node):
    seq: int = strawberry_django.field(description="Per lot, gapless, from 1.")
    amount: Decimal = strawberry_django.field(description="The bid, CNY.")
    bidder_number: str = strawberry_django.field(description="竞买号.")
    placed_at: datetime = strawberry_django.field(description="When the server accepted it.")
    is_proxy: bool = strawberry_django.field(description="Placed by a maximum (代理出价).")
    under_priority_right: bool = strawberry_django.field(
        description="Made under the priority purchase right (优先购买权): a holder bid the "
        "same amount as the highest bid and took the lead (who holds the right is not shown)."
    )
    ends_at_after: datetime = strawberry_django.field(description="The lot's end after it.")
    hash: str = strawberry_django.field(description="Hash over the previous hash and this bid.")

    @classmethod
    def get_queryset(cls, queryset, info: Info, **kwargs):
        return queryset.order_by(key(Bid, "seq", descending=True))


@strawberry.type(description="The result of recomputing a lot's bid hash chain.")
class BidChain:
    verified: bool = strawberry.field(
        description="Every bid's hash matches its content and predecessor."
    )
    length: int = strawberry.field(description="How many bids the chain holds.")
    head_hash: str = strawberry.field(description="The last bid's hash (empty without bids).")
    broken_at_seq: int | None = strawberry.field(description="The first bid that does not verify.")


PriorityBasisEnum = strawberry.enum(
    PriorityBasis,
    name="PriorityBasis",
    description="Why a registrant holds the priority purchase right (优先购买权).",
)


@strawberry.type(
    name="PriorityRight",
    description="A registrant's priority purchase right (优先购买权) as staff recorded it: "
    "it may bid the same amount as the highest bid and then leads (see the lot's rules).",
)
class PriorityRightType:
    order: int = strawberry.field(
        description="顺序: 1 first. At an equal price a holder beats an ordinary bidder, an "
        "earlier order a later one; of the same order, the one who bid first."
    )
    basis: PriorityBasisEnum = strawberry.field(description="What the right rests on.")
    reason: str = strawberry.field(description="Staff's grounds for the mark.")
    marked_at: datetime = strawberry.field(description="When staff recorded it.")
    marked_by_name: str | None = strawberry.field(description="The staff member who did.")
    waived_at: datetime | None = strawberry.field(
        description="Set at the lot's end when the holder never bid (the right is waived)."
    )


@strawberry.type(description="Staff: the person behind a registration.")
class RegistrationApplicant:
    name: str | None = strawberry.field(description="Their verified name; null if unset.")
    phone: str = strawberry.field(description="Their mobile number (they sign in with it).")


@strawberry_django.type(
    Registration, name="Registration", description="A buyer's registration for a lot (报名)."
)
class RegistrationType(ReviewableInterface):
    status: ReviewStatusEnum = strawberry_django.field(description="Where it stands in review.")
    bidder_number: str | None = blank_as_null(
        "bidder_number", description="竞买号, given on approval; null before."
    )
    commitment_letter: FileType = strawberry_django.field(description="《网络竞价承诺函》.")
    deposit_required: bool = strawberry_django.field(description="A deposit is due before bidding.")
    deposit_amount: Decimal | None = strawberry_django.field(description="The deposit due, CNY.")
    deposit_confirmed_at: datetime | None = strawberry_django.field(
        description="When staff confirmed the deposit was received."
    )
    lot: "LotType" = strawberry_django.field(description="The lot registered for.")
    bids: DjangoCursorConnection[BidType] = strawberry_django.connection(
        description="Your own bids on this lot, newest first (my auctions; keyset cursors: "
        "new bids never shift a page you are reading)."
    )

    @strawberry_django.field(
        only=[
            "priority_order",
            "priority_basis",
            "priority_reason",
            "priority_marked_at",
            "priority_waived_at",
        ],
        select_related=["priority_marked_by"],
        description="The priority purchase right staff recorded for this registrant; null "
        "for an ordinary bidder. Seen by the registrant and staff only.",
    )
    def priority_right(self) -> PriorityRightType | None:
        if self.priority_order is None:
            return None
        marker = self.priority_marked_by
        return PriorityRightType(
            order=self.priority_order,
            basis=PriorityBasisEnum(self.priority_basis),
            reason=self.priority_reason,
            marked_at=self.priority_marked_at,
            marked_by_name=(marker.name or None) if marker else None,
            waived_at=self.priority_waived_at,
        )

    @strawberry_django.field(
        select_related=["user"],
        only=["user__name", "user__phone"],
        permission_classes=staff_with(Perm.REVIEW_REGISTRATION, Perm.MANAGE_DEALS),
        description="Staff (registration review, deals): who applied. Others get FORBIDDEN.",
    )
    def applicant(self) -> RegistrationApplicant | None:
        return RegistrationApplicant(name=self.user.name or None, phone=self.user.phone)

    @strawberry_django.field(only=["proxy__max_amount"], description="Your maximum, if set.")
    def proxy_max_amount(self) -> Decimal | None:
        proxy = getattr(self, "proxy", None)  # a missing reverse one-to-one is an AttributeError
        return proxy.max_amount if proxy else None

    get_queryset = visible_rows(registrations_visible_to)


def _my_registrations(info: Info) -> Prefetch:
    user = info.context.user
    mine = Registration.objects.filter(user=user if user.is_authenticated else None).select_related(
        "commitment_letter", "proxy", "priority_marked_by"
    )
    return Prefetch("registrations", queryset=mine, to_attr="mine")


@strawberry.type(name="LotWinner", description="One winner of an ended lot (public).")
class LotWinnerType:
    rank: int = strawberry.field(description="1 for the highest bidder, then 2, 3 …")
    bidder_number: str = strawberry.field(description="竞买号.")
    price: Decimal = strawberry.field(description="What this winner pays: their highest bid.")

    @classmethod
    def of(cls, winner: dict) -> "LotWinnerType":
        return cls(
            rank=winner["rank"],
            bidder_number=winner["bidder_number"],
            price=Decimal(winner["price"]),
        )


def _items_with_listings(info: Info | None = None) -> Prefetch:
    return Prefetch(
        "items",
        queryset=LotItem.objects.select_related(
            "listing__shop__identity", "listing__licence_terms"
        ).order_by("position"),
    )


@strawberry_django.type(Lot, name="Lot", description="A listing put up in a session (拍品).")
class LotType(relay.Node):
    session: AuctionSessionType = strawberry_django.field(
        description="The session it is auctioned in."
    )
    listing: ListingNode = strawberry_django.field(
        description="What is auctioned; for a package (专利包), its lead listing (all of them "
        "in listings)."
    )
    licence_count: int = strawberry_django.field(
        description="How many licences the lot sells: 1, or N non-exclusive licences to the "
        "N highest distinct bidders, each at their own highest bid."
    )

    @strawberry_django.field(
        prefetch_related=[_items_with_listings],
        description="Every listing the lot sells, the lead first: one for an ordinary lot, "
        "several for a package (专利包, one shop's listings sold or unsold as one).",
    )
    def listings(self) -> list[ListingNode]:
        return self.listings_in_order()

    @strawberry_django.field(
        prefetch_related=[_items_with_listings],
        description="True when the lot is a package of several listings.",
    )
    def is_package(self) -> bool:
        return len(self.listings_in_order()) > 1

    @strawberry_django.field(
        only=["winner", "licence_count", "final_price"],
        select_related=["winner"],
        prefetch_related=["deals__registration"],
        description="Who won, best first, each with their price: one winner when sold, "
        "several for a lot sold as several licences; empty before the end or when unsold.",
    )
    def winners(self) -> list[LotWinnerType]:
        return [LotWinnerType.of(winner) for winner in lot_winners_public(self)]

    start_price: Decimal = strawberry_django.field(description="起拍价, CNY.")
    increment: Decimal = strawberry_django.field(description="加价幅度: raises are multiples.")
    current_price: Decimal | None = strawberry_django.field(description="Null before bids.")
    bid_count: int = strawberry_django.field(description="Accepted bids so far.")
    last_seq: int = strawberry_django.field(description="The last bid's sequence number.")
    ends_at: datetime = strawberry_django.field(description="Bidding end, with extensions.")
    result: LotResultEnum | None = blank_as_null(
        "result",
        LotResultEnum,
        description="成交 (SOLD), 流拍 (UNSOLD) or 撤拍 (PULLED: taken out before bidding after "
        "a legal-status check) once ended; null before.",
    )
    final_price: Decimal | None = strawberry_django.field(description="成交价 when sold, CNY.")

    # Fields read through relations use annotations, so a page of lots stays one query.
    @strawberry_django.field(
        only=["result", "ends_at"],
        annotate={
            "notice_starts_at_": F("session__notice_starts_at"),
            "bidding_starts_at_": F("session__bidding_starts_at"),
        },
        description="The phase by the server's clock now.",
    )
    def phase(self) -> LotPhaseEnum:
        if not hasattr(self, "notice_starts_at_"):  # not loaded through a list query
            return LotPhaseEnum(self.phase_at(now()))
        return LotPhaseEnum(
            lot_phase(
                result=self.result,
                notice_starts_at=self.notice_starts_at_,
                bidding_starts_at=self.bidding_starts_at_,
                ends_at=self.ends_at,
                at=now(),
            )
        )

    @strawberry.field(description="The server's time now: count down from this, not the device.")
    def server_time(self) -> datetime:
        return now()

    @strawberry_django.field(
        only=["start_price", "current_price", "increment", "result", "ends_at"],
        description="The lowest valid bid now (the start price, then the current price plus "
        "one increment); null once the lot has ended.",
    )
    def next_minimum_bid(self) -> Decimal | None:
        return self.next_minimum_bid_at(now())

    @strawberry_django.field(only=["ends_at", "result"], description="Seconds until the end.")
    def time_left_seconds(self) -> float:
        return self.seconds_left_at(now())

    @strawberry_django.field(
        annotate={"rules_": F("session__season__rules")},
        description="The season's auction rules.",
    )
    def rules(self) -> str:
        return self.rules_ if hasattr(self, "rules_") else self.session.season.rules

    @strawberry_django.field(
        annotate={"auction_day_": F("session__auction_day")},
        description="Registration closes at 16:00 (Asia/Shanghai) the day before the auction.",
    )
    def registration_deadline(self) -> datetime:
        if not hasattr(self, "auction_day_"):
            return registration_deadline_for(self.session.auction_day)
        return registration_deadline_for(self.auction_day_)

    @strawberry_django.field(
        only=["reserve_price", "current_price"],
        description="Whether the reserve price (kept secret) is met; null when there is none.",
    )
    def reserve_met(self) -> bool | None:
        if self.reserve_price is None:
            return None
        return self.current_price is not None and self.current_price >= self.reserve_price

    @strawberry_django.field(
        annotate={"winner_number_": F("winner__bidder_number")},
        description="The winner's bidder number once sold.",
    )
    def winner_bidder_number(self) -> str | None:
        if hasattr(self, "winner_number_"):
            return self.winner_number_
        return self.winner.bidder_number if self.winner_id else None

    bids: DjangoCursorConnection[BidType] = strawberry_django.connection(
        description="The public bid record, newest first (bidder numbers only; keyset "
        "cursors: new bids never shift a page you are reading)."
    )

    @strawberry_django.field(
        annotate={"priority_holders_": priority_holder_count()},
        description="How many registrants hold the priority purchase right (优先购买权), as "
        "the announcement states (who they are is not disclosed). A holder may bid the same "
        "amount as the highest bid and then leads; everyone else raises by the increment.",
    )
    def priority_right_holder_count(self) -> int:
        if hasattr(self, "priority_holders_"):
            return self.priority_holders_
        return self.registrations.filter(priority_order__isnull=False).count()

    @strawberry_django.field(
        annotate={"bidding_starts_at_": F("session__bidding_starts_at")},
        description="When bidding opens (the session's start; count down with serverTime).",
    )
    def bidding_starts_at(self) -> datetime:
        if hasattr(self, "bidding_starts_at_"):
            return self.bidding_starts_at_
        return self.session.bidding_starts_at

    @strawberry_django.field(
        annotate={"approved_registrant_count_": approved_registrant_count()},
        description="How many buyers' registrations staff approved (public: names never).",
    )
    def approved_registrant_count(self) -> int:
        if hasattr(self, "approved_registrant_count_"):
            return self.approved_registrant_count_
        return self.registrations.filter(status=ReviewStatus.APPROVED).count()

    @strawberry_django.field(
        only=["result", "leader_id", "winner_id"],
        annotate={
            name: (lambda info, name=name: viewer_standing_annotations(info.context.user)[name])
            for name in VIEWER_STANDING_FIELDS
        },
        description="Where you stand on this lot (registered? leading? outbid?); null when "
        "signed out. Joined into a list's query: a page of lots costs no query more.",
    )
    def viewer_standing(self, info: Info) -> ViewerStandingEnum | None:
        user = info.context.user
        if not user.is_authenticated:
            return None
        if not hasattr(self, "viewer_registration_id_"):  # not loaded through a list query
            standing = viewer_standing_of(user=user, lot=self)
        else:
            standing = viewer_standing(
                result=self.result,
                leader_id=self.leader_id,
                winner_id=self.winner_id,
                holds_deal=self.viewer_holds_deal_,
                registration_id=self.viewer_registration_id_,
                registration_status=self.viewer_registration_status_,
                has_bid=self.viewer_has_bid_,
            )
        return ViewerStandingEnum(standing)

    @strawberry_django.field(
        only=["listing_id"],
        description="The patent's legal-status checks (at submission, as bidding opened, at "
        "the deal), newest first: for the lot's registrants, its seller and staff; empty "
        "for anyone else. A detail field: a few queries per lot.",
    )
    def legal_status_checks(self, info: Info) -> list[LegalStatusCheckType]:
        checks = legal_status_checks_of_lot(user=info.context.user, lot=self)
        return [LegalStatusCheckType.of(check) for check in checks]

    @strawberry_django.field(
        only=["last_seq", "head_hash", *CHAIN_FIELDS],
        description="The tamper-evident bid log's check: each bid is recomputed once, after "
        "it is placed, and the result kept, so asking costs no more with a long log. "
        "verified is true when every bid up to the last matched; a long backlog is checked "
        "over several requests (length tells how far).",
    )
    def bid_chain(self, info: Info) -> BidChain:
        context = info.context
        before = self.chain_verified_seq
        check = bid_chain_advance(self, budget=context.bid_chain_budget)
        context.bid_chain_budget -= max(0, check.length - before)
        return BidChain(
            verified=check.verified,
            length=check.length,
            head_hash=check.head_hash,
            broken_at_seq=check.broken_at_seq,
        )

    @strawberry_django.field(
        prefetch_related=[_my_registrations],
        description="Your registration for this lot, if any.",
    )
    def my_registration(self) -> RegistrationType | None:
        mine = getattr(self, "mine", None)
        if mine is None:
            return None
        return mine[0] if mine else None

    @classmethod
    def get_queryset(cls, queryset, info: Info, **kwargs):
        return lot_default_order(queryset)


@strawberry.input
class SeasonCreateInput:
    name: str = strawberry.field(description="The season's name.")
    rules: str = strawberry.field(description="The auction rules text shown to buyers.")
    deposit_required: bool = strawberry.field(
        default=False, description="Buyers must pay a deposit."
    )
    deposit_amount: Decimal | None = strawberry.field(
        default=None, description="The deposit per lot, CNY (with depositRequired)."
    )
    anti_sniping_minutes: int = strawberry.field(
        default=5, description="A bid in the last N minutes extends the end to N after it."
    )
    default_increment: Decimal = strawberry.field(
        default=Decimal("1000.00"), description="加价幅度 of lots that set none, CNY."
    )
    max_licences_per_lot: int = strawberry.field(
        default=1,
        description="1 to 20: how many non-exclusive licences one lot may sell to several "
        "winners (1: one winner per lot).",
    )


@strawberry.input
class SessionCreateInput:
    season_id: relay.GlobalID = strawberry.field(description="The Season.")
    name: str = strawberry.field(description="The session's name.")
    auction_day: date = strawberry.field(description="The auction day (Asia/Shanghai).")
    notice_starts_at: datetime = strawberry.field(
        description="公告期 start: lots shown, registration open."
    )
    bidding_starts_at: datetime = strawberry.field(description="Bidding opens.")
    bidding_ends_at: datetime = strawberry.field(description="Bidding ends (before anti-sniping).")


@strawberry.input
class LotCreateInput:
    session_id: relay.GlobalID = strawberry.field(description="The AuctionSession.")
    listing_id: relay.GlobalID = strawberry.field(
        description="A listed, season-opted-in one (a package's lead listing)."
    )
    package_listing_ids: list[relay.GlobalID] = strawberry.field(
        default_factory=list,
        description="More listings of the same shop, on the same terms, sold with it as one "
        "package (专利包, at most 20 in all); it starts at the sum of their start prices.",
    )
    licence_count: int = strawberry.field(
        default=1,
        description="Sell N > 1 non-exclusive licences to the N highest distinct bidders, "
        "each at their own highest bid (at most the season's maxLicencesPerLot).",
    )
    increment: Decimal | None = strawberry.field(default=None, description="Default: the season's.")
    reserve_price: Decimal | None = strawberry.field(
        default=None, description="保留价: below it the lot does not sell (not shown to buyers)."
    )


@strawberry.input
class RegistrationSubmitInput:
    lot_id: relay.GlobalID = strawberry.field(description="The Lot to register for.")
    commitment_letter: strawberry.file_uploads.Upload = strawberry.field(
        description="The signed or stamped 《网络竞价承诺函》 (PDF, JPEG or PNG)."
    )


@strawberry.input(description="Staff: record a registrant's priority purchase right.")
class RegistrationPriorityMarkInput:
    id: relay.GlobalID = strawberry.field(description="The Registration (approved).")
    order: int | None = strawberry.field(
        description="顺序, 1 first (1-99); null records that it holds no right (a mark in error)."
    )
    basis: PriorityBasisEnum | None = strawberry.field(
        default=None, description="What the right rests on (required with an order)."
    )
    reason: str = strawberry.field(
        description="The grounds (e.g. the co-ownership record or licence contract), kept "
        "with who decided and when."
    )


@strawberry.input
class RegistrationIdInput:
    id: relay.GlobalID = strawberry.field(description="The Registration.")


@strawberry.input
class BidPlaceInput:
    lot_id: relay.GlobalID = strawberry.field(
        description="The Lot (you need an approved registration)."
    )
    amount: Decimal = strawberry.field(
        description="First bid: start price + k increments (k >= 0); later: current price + "
        "k increments (k >= 1). A priority purchase right holder may also bid the current "
        "price itself (a match) when it outranks the leader there."
    )
    idempotency_key: str = strawberry.field(
        description="8-64 characters, new for each bid: a retry with the same key and "
        "amount returns the first result."
    )


@strawberry.input
class ProxyBidSetInput:
    lot_id: relay.GlobalID = strawberry.field(
        description="The Lot (you need an approved registration)."
    )
    max_amount: Decimal = strawberry.field(description="On the increment grid.")


@strawberry.type
class SeasonPayload:
    season: SeasonType | None = strawberry.field(description="The season.")
    errors: list[Error]


@strawberry.type
class SessionPayload:
    session: AuctionSessionType | None = strawberry.field(description="The session.")
    errors: list[Error]


@strawberry.type
class LotPayload:
    lot: LotType | None = strawberry.field(description="The lot.")
    errors: list[Error]


@strawberry.type
class RegistrationPayload:
    registration: RegistrationType | None = strawberry.field(description="The registration.")
    errors: list[Error]


@strawberry.type
class BidPlacePayload:
    bid: BidType | None = strawberry.field(description="Your bid as accepted.")
    lot: LotType | None = strawberry.field(description="The lot after it (price, end).")
    replayed: bool = strawberry.field(description="True when this answers a retried key.")
    errors: list[Error]


@strawberry.type
class ProxyBidPayload:
    max_amount: Decimal | None = strawberry.field(description="Your maximum now.")
    lot: LotType | None = strawberry.field(description="The lot after any bid it placed.")
    errors: list[Error]


# -- issue 14: pulls after a legal-status check --------------------------------------------

LotPullStatusEnum = strawberry.enum(
    LotPullStatus, name="LotPullStatus", description="Pending, approved (pulled) or rejected."
)


@strawberry.type(
    name="LotPull",
    description="Staff: a proposal to pull a lot before bidding (撤拍) because its patent's "
    "legal status no longer allows the sale.",
)
class LotPullType:
    id: strawberry.ID = strawberry.field(description="Send it to lotPullDecide.")
    lot: LotType = strawberry.field(description="The lot concerned.")
    status: LotPullStatusEnum = strawberry.field(description="Where the decision stands.")
    legal_status_check: LegalStatusCheckType = strawberry.field(
        description="The check that proposed it."
    )
    created_at: datetime = strawberry.field(description="When it was proposed.")
    decided_at: datetime | None = strawberry.field(description="When staff decided.")
    note: str | None = strawberry.field(description="The staff member's note.")

    @classmethod
    def of(cls, pull: LotPull) -> "LotPullType":
        return cls(
            id=strawberry.ID(str(relay.GlobalID("LotPull", str(pull.pk)))),
            lot=pull.lot,
            status=LotPullStatusEnum(pull.status),
            legal_status_check=LegalStatusCheckType.of(pull.legal_status_check),
            created_at=pull.created_at,
            decided_at=pull.decided_at,
            note=pull.note or None,
        )


@strawberry.input(description="Staff: decide a pending pull.")
class LotPullDecideInput:
    id: relay.GlobalID = strawberry.field(description="The pull (LotPull.id).")
    approve: bool = strawberry.field(
        description="True pulls the lot (it ends as PULLED; seller and registrants are "
        "told); false lets bidding go on."
    )
    note: str | None = strawberry.field(default=None, description="Why (kept with it).")


@strawberry.type(description="Result of lotPullDecide.")
class LotPullPayload:
    pull: LotPullType | None = strawberry.field(description="The decided pull.")
    errors: list[Error] = strawberry.field(description="Why nothing was decided.")
