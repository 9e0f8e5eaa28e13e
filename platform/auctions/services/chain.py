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
