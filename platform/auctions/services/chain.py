"""The tamper-evident bid log: each bid's hash covers the previous hash and its own fields."""

import hashlib
from dataclasses import dataclass

GENESIS = "0" * 64


def bid_hash(
    *, prev_hash: str, lot_id: int, seq: int, bidder_number: str, amount, placed_at, is_proxy: bool
) -> str:
    fields = "|".join(
        [
            prev_hash,
            str(lot_id),
            str(seq),
            bidder_number,
            f"{amount:.2f}",
            placed_at.isoformat(timespec="microseconds"),
            "P" if is_proxy else "M",
        ]
    )
    return hashlib.sha256(fields.encode()).hexdigest()


@dataclass(frozen=True)
class ChainCheck:
    verified: bool
    length: int
    head_hash: str
    broken_at_seq: int | None = None


def bid_chain_verify(lot) -> ChainCheck:
    """Recompute the chain of ``lot``'s bids in order; say where it breaks, if it does.

    Also checks that sequence numbers are gapless and that the lot's head matches.
    """
    prev = GENESIS
    expected_seq = 1
    for bid in lot.bids.order_by("seq").iterator(chunk_size=1000):
        recomputed = bid_hash(
            prev_hash=prev,
            lot_id=lot.pk,
            seq=bid.seq,
            bidder_number=bid.bidder_number,
            amount=bid.amount,
            placed_at=bid.placed_at,
            is_proxy=bid.is_proxy,
        )
        if bid.seq != expected_seq or bid.prev_hash != prev or bid.hash != recomputed:
            return ChainCheck(False, expected_seq - 1, prev, broken_at_seq=bid.seq)
        prev = bid.hash
        expected_seq += 1
    length = expected_seq - 1
    if (lot.head_hash or GENESIS) != prev or lot.last_seq != length:
        return ChainCheck(False, length, prev, broken_at_seq=length + 1)
    return ChainCheck(True, length, prev)


CHAIN_FIELDS = ("chain_verified_seq", "chain_verified_hash", "chain_broken_at_seq")
# How many bids one call may recompute: a read never costs more than this, whatever the log.
VERIFY_BUDGET = 2000


def bid_chain_status(lot) -> ChainCheck:
    """The stored result of the incremental verification (no query): verified when every
    bid up to the lot's last one was recomputed and matched and the head agrees."""
    through = lot.chain_verified_seq
    head = lot.chain_verified_hash or GENESIS
    if lot.chain_broken_at_seq is not None:
        return ChainCheck(False, through, head, broken_at_seq=lot.chain_broken_at_seq)
    verified = through == lot.last_seq and head == (lot.head_hash or GENESIS)
    return ChainCheck(verified, through, head)


def bid_chain_advance(lot, *, budget: int = VERIFY_BUDGET) -> ChainCheck:
    """Recompute the bids after the stored checkpoint (at most ``budget`` of them, in one
    query), store the new checkpoint, and return :func:`bid_chain_status`.

    Each bid is recomputed once in the life of the lot; concurrent callers compute the same
    result, and the conditional update keeps the checkpoint from moving backwards.
    """
    if lot.chain_broken_at_seq is not None or lot.chain_verified_seq >= lot.last_seq:
        return bid_chain_status(lot)
    if budget <= 0:
        return bid_chain_status(lot)
    from auctions.models import Bid, Lot

    prev = lot.chain_verified_hash or GENESIS
    expected_seq = lot.chain_verified_seq + 1
    broken = None
    read = 0
    bids = Bid.objects.filter(
        lot_id=lot.pk, seq__gt=lot.chain_verified_seq, seq__lte=lot.last_seq
    ).order_by("seq")
    for bid in bids[:budget]:
        read += 1
        recomputed = bid_hash(
            prev_hash=prev,
            lot_id=lot.pk,
            seq=bid.seq,
            bidder_number=bid.bidder_number,
            amount=bid.amount,
            placed_at=bid.placed_at,
            is_proxy=bid.is_proxy,
        )
        if bid.seq != expected_seq or bid.prev_hash != prev or bid.hash != recomputed:
            broken = expected_seq
            break
        prev = bid.hash
        expected_seq += 1
    through = expected_seq - 1
    if broken is None and read < budget and through < lot.last_seq:
        broken = through + 1  # bids missing at the end of the log
    elif broken is None and through == lot.last_seq and (lot.head_hash or GENESIS) != prev:
        broken = through + 1  # the lot's head disagrees with its last bid
    changes = {"chain_verified_seq": through, "chain_verified_hash": prev}
    if broken is not None:
        changes["chain_broken_at_seq"] = broken
    Lot.objects.filter(pk=lot.pk, chain_verified_seq__lte=through).update(**changes)
    for name, value in changes.items():
        setattr(lot, name, value)
    return bid_chain_status(lot)
