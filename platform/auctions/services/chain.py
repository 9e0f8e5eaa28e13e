"""The tamper-evident bid log: each bid's hash covers the previous hash and its own fields."""

import hashlib
from dataclasses import dataclass

GENESIS = "0" * 64


# The hashed record's format. 1: the fields below without the priority ones (every bid
# placed before issue 14); 2: a format tag, then the same fields and the priority purchase
# right ("R<order>" for a holder's match, "-" otherwise). A record keeps the format it was
# written in (Bid.record_format), so older chains still verify; the tag makes a version 2
# record that is relabelled as version 1 fail.
RECORD_FORMAT = 2


def bid_hash(
    *,
    prev_hash: str,
    lot_id: int,
    seq: int,
    bidder_number: str,
    amount,
    placed_at,
    is_proxy: bool,
    under_priority_right: bool = False,
    priority_order: int | None = None,
    record_format: int = RECORD_FORMAT,
) -> str:
    fields = [
        prev_hash,
        str(lot_id),
        str(seq),
        bidder_number,
        f"{amount:.2f}",
        placed_at.isoformat(timespec="microseconds"),
        "P" if is_proxy else "M",
    ]
    if record_format == 1:
        if under_priority_right:
            raise ValueError("format 1 cannot record a bid under the priority right")
    elif record_format == 2:
        fields = ["v2", *fields, f"R{priority_order}" if under_priority_right else "-"]
    else:
        raise ValueError(f"unknown bid record format {record_format}")
    return hashlib.sha256("|".join(fields).encode()).hexdigest()


def hash_of(bid, *, prev_hash: str) -> str:
    """The hash ``bid`` (a Bid row) must carry after ``prev_hash``, in its own format."""
    return bid_hash(
        prev_hash=prev_hash,
        lot_id=bid.lot_id,
        seq=bid.seq,
        bidder_number=bid.bidder_number,
        amount=bid.amount,
        placed_at=bid.placed_at,
        is_proxy=bid.is_proxy,
        under_priority_right=bid.under_priority_right,
        priority_order=bid.priority_order,
        record_format=bid.record_format,
    )


@dataclass(frozen=True)
class ChainCheck:
    verified: bool
    length: int
    head_hash: str
    broken_at_seq: int | None = None


@dataclass
class _Walk:
    prev: str  # the hash of the last bid that matched
    next_seq: int  # the sequence number expected next
    broken_at_seq: int | None = None
    read: int = 0


def _walk(lot_id: int, bids, *, prev: str, next_seq: int) -> _Walk:
    """Recompute ``bids`` (in order) from ``prev``, stopping at the first that does not
    match: a wrong hash, a wrong previous hash, or a gap in the sequence."""
    walk = _Walk(prev=prev, next_seq=next_seq)
    for bid in bids:
        walk.read += 1
        try:
            recomputed = hash_of(bid, prev_hash=walk.prev)
        except ValueError:  # an unknown format, or a flag format 1 cannot hold
            recomputed = None
        if (
            bid.lot_id != lot_id
            or bid.seq != walk.next_seq
            or bid.prev_hash != walk.prev
            or bid.hash != recomputed
        ):
            walk.broken_at_seq = bid.seq
            return walk
        walk.prev = bid.hash
        walk.next_seq += 1
    return walk


def bid_chain_verify(lot) -> ChainCheck:
    """Recompute the chain of ``lot``'s bids in order; say where it breaks, if it does.

    Also checks that sequence numbers are gapless and that the lot's head matches.
    """
    walk = _walk(
        lot.pk, lot.bids.order_by("seq").iterator(chunk_size=1000), prev=GENESIS, next_seq=1
    )
    length = walk.next_seq - 1
    if walk.broken_at_seq is not None:
        return ChainCheck(False, length, walk.prev, broken_at_seq=walk.broken_at_seq)
    if (lot.head_hash or GENESIS) != walk.prev or lot.last_seq != length:
        return ChainCheck(False, length, walk.prev, broken_at_seq=length + 1)
    return ChainCheck(True, length, walk.prev)


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
    done = lot.chain_broken_at_seq is not None or lot.chain_verified_seq >= lot.last_seq
    if done or budget <= 0:
        return bid_chain_status(lot)
    from auctions.models import Bid, Lot

    bids = Bid.objects.filter(
        lot_id=lot.pk, seq__gt=lot.chain_verified_seq, seq__lte=lot.last_seq
    ).order_by("seq")
    walk = _walk(
        lot.pk,
        bids[:budget],
        prev=lot.chain_verified_hash or GENESIS,
        next_seq=lot.chain_verified_seq + 1,
    )
    through, prev, broken = walk.next_seq - 1, walk.prev, walk.broken_at_seq
    if broken is None and walk.read < budget and through < lot.last_seq:
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


def bid_chain_record(lot) -> ChainCheck:
    """Recompute the whole chain (``bid_chain_verify``) and store the result as the
    checkpoint: a lot checked after its session costs the API nothing more, and a break
    found here shows in ``bidChain`` from then on."""
    from auctions.models import Lot

    check = bid_chain_verify(lot)
    if check.verified:
        changes = {"chain_verified_seq": check.length, "chain_verified_hash": check.head_hash}
    else:
        changes = {"chain_broken_at_seq": check.broken_at_seq}
    Lot.objects.filter(pk=lot.pk).update(**changes)
    return check
