"""What one watcher of one or more lots is handed, in order, exactly once (no GraphQL here,
so it is tested on its own).

Events are published after commit by whichever process committed, so two bids that commit
a moment apart can reach the channel layer in the opposite order, and an event can be lost
(Redis restarted, a channel over capacity, a socket's process reconnecting). A feed hands
each lot's bids on in sequence order and never twice; a phase change or the end waits for
the bids before it. What the live path misses, the database has: the caller compares the
feed with each lot's live state (``LotLiveState``) and fills the gaps with
:meth:`LotFeed.heal`, so a watcher sees every bid exactly once, in order, even after an
outage, without reconnecting.
"""

import dataclasses
from dataclasses import dataclass, field

from auctions.events import BidPlaced, LotEnded, LotEvent, LotPhaseChanged
from auctions.models import LotPhase
from auctions.selectors import LotLiveState

_RANK = {LotPhase.SCHEDULED: 0, LotPhase.NOTICE: 1, LotPhase.BIDDING: 2, LotPhase.ENDED: 3}
# A bid that arrives with a gap before it waits this long for the missing one to arrive
# live before the gap is filled from the database.
GAP_GRACE_SECONDS = 0.25


@dataclass
class _LotPosition:
    delivered: int  # the last bid seq handed on
    phase: str  # the last phase handed on (or shown by the snapshot)
    ended: bool
    held: dict[int, BidPlaced] = field(default_factory=dict)  # seq -> bid after a gap
    waiting: list[LotEvent] = field(default_factory=list)  # phase/end after a gap
    gap_since: float | None = None


class LotFeed:
    def __init__(self, states: dict[int, LotLiveState], after: dict[int, int] | None = None):
        after = after or {}
        self.lots = {
            lot_id: _LotPosition(
                delivered=min(after.get(lot_id, state.last_seq), state.last_seq),
                phase=state.phase,
                ended=False,  # an ended lot's LotEnded follows its snapshot
            )
            for lot_id, state in states.items()
        }

    def copy(self) -> "LotFeed":
        """An independent feed at the same position (a lot hub's, for a watcher that goes
        on by itself)."""
        other = LotFeed({})
        other.lots = {
            lot_id: dataclasses.replace(
                position, held=dict(position.held), waiting=list(position.waiting)
            )
            for lot_id, position in self.lots.items()
        }
        return other

    def same_position(self, other: "LotFeed") -> bool:
        """Whether this feed has handed on just what ``other`` has (every lot's last seq,
        phase and end) and holds nothing back."""
        if self.lots.keys() != other.lots.keys():
            return False
        for lot_id, mine in self.lots.items():
            theirs = other.lots[lot_id]
            if mine.held or mine.waiting:
                return False
            if (mine.delivered, mine.phase, mine.ended) != (
                theirs.delivered,
                theirs.phase,
                theirs.ended,
            ):
                return False
        return True

    def first_gap_since(self) -> float | None:
        """Since when the oldest gap waits, or None."""
        since = [p.gap_since for p in self.lots.values() if p.gap_since is not None]
        return min(since) if since else None

    def watches(self, lot_id: int) -> bool:
        return lot_id in self.lots

    def add_lot(self, state: LotLiveState) -> None:
        """A lot joined the watched set (a session got a new lot): start at its state."""
        self.lots.setdefault(
            state.lot_id,
            _LotPosition(
                delivered=state.last_seq,
                phase=state.phase,
                ended=bool(state.result),
            ),
        )

    def last_seq(self, lot_id: int) -> int:
        return self.lots[lot_id].delivered

    def all_ended(self) -> bool:
        return all(position.ended for position in self.lots.values())

    def push(self, event: LotEvent, *, now: float) -> list[LotEvent]:
        """A live event: what can be handed on now, in order."""
        position = self.lots[event.lot_id]
        if isinstance(event, BidPlaced):
            if event.seq <= position.delivered or event.seq in position.held:
                return []
            if event.seq > position.delivered + 1:
                position.held[event.seq] = event
                if position.gap_since is None:
                    position.gap_since = now
                return []
            return self._hand_on(position, [event])
        if event.seq > position.delivered:
            position.waiting.append(event)
            if position.gap_since is None:
                position.gap_since = now
            return []
        return self._hand_on(position, [event])

    def gaps_due(self, *, now: float) -> list[int]:
        """Lots whose gap waited out its grace: fill them from the database."""
        return [
            lot_id
            for lot_id, position in self.lots.items()
            if position.gap_since is not None and now - position.gap_since >= GAP_GRACE_SECONDS
        ]

    def behind(self, state: LotLiveState) -> bool:
        """Whether the database knows of something this feed has not handed on."""
        position = self.lots[state.lot_id]
        return (
            state.last_seq > position.delivered
            or _RANK[state.published_phase] > _RANK[position.phase]
            or (bool(state.result) and not position.ended)
        )

    def heal(self, state: LotLiveState, missing: list[BidPlaced]) -> list[LotEvent]:
        """Hand on the bids read from the database (``missing``: after the delivered seq,
        in order), then what the lot's state shows that the feed has not: its announced
        phase and its end."""
        position = self.lots[state.lot_id]
        out = self._hand_on(position, missing)
        if (
            _RANK[state.published_phase] > _RANK[position.phase]
            and position.delivered >= state.last_seq
        ):
            at = {
                LotPhase.NOTICE: state.notice_starts_at,
                LotPhase.BIDDING: state.bidding_starts_at,
            }.get(state.published_phase, state.finalized_at or state.ends_at)
            out += self._hand_on(
                position,
                [
                    LotPhaseChanged(
                        lot_id=state.lot_id,
                        session_id=state.session_id,
                        seq=state.last_seq,
                        phase=state.published_phase,
                        at=at,
                        ends_at=state.ends_at,
                    )
                ],
            )
        if state.result and not position.ended and position.delivered >= state.last_seq:
            out += self._hand_on(
                position,
                [
                    LotEnded(
                        lot_id=state.lot_id,
                        session_id=state.session_id,
                        seq=state.last_seq,
                        result=state.result,
                        final_price=state.final_price,
                        winner_bidder_number=state.winner_bidder_number,
                        winners=state.winners,
                        at=state.finalized_at or state.ends_at,
                    )
                ],
            )
        return out

    def _hand_on(self, position: _LotPosition, events: list[LotEvent]) -> list[LotEvent]:
        out: list[LotEvent] = []
        queue = list(events)
        while queue:
            event = queue.pop(0)
            if isinstance(event, BidPlaced):
                if event.seq != position.delivered + 1:
                    if event.seq > position.delivered:
                        position.held[event.seq] = event
                    continue
                position.delivered = event.seq
                position.held.pop(event.seq, None)
                out.append(event)
                if position.delivered + 1 in position.held:
                    queue.insert(0, position.held[position.delivered + 1])
            elif isinstance(event, LotPhaseChanged):
                if event.seq > position.delivered:
                    if event not in position.waiting:
                        position.waiting.append(event)
                    continue
                if _RANK[event.phase] > _RANK[position.phase]:
                    position.phase = event.phase
                    out.append(event)
            elif isinstance(event, LotEnded):
                if event.seq > position.delivered:
                    if event not in position.waiting:
                        position.waiting.append(event)
                    continue
                if not position.ended:
                    if _RANK[position.phase] < _RANK[LotPhase.ENDED]:
                        position.phase = LotPhase.ENDED  # the end implies the phase
                    position.ended = True
                    out.append(event)
            ready = [e for e in position.waiting if e.seq <= position.delivered]
            if ready:
                position.waiting = [e for e in position.waiting if e.seq > position.delivered]
                queue = ready + queue
        if not position.held and not position.waiting:
            position.gap_since = None
        return out
