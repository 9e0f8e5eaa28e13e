"""Per-subscriber ordering of lot events (no GraphQL here, so it is tested on its own)."""


class InOrder:
    """Hands events on in each lot's sequence order.

    Events are published after commit by whichever process committed, so two bids that
    commit a moment apart can reach the channel layer in the opposite order. A bid waits
    here until the one before it has gone; a phase or end event waits for the bids before
    it. An event still waiting ``HOLD_SECONDS`` after it arrived goes out anyway (the
    client, seeing the gap, re-reads the lot), and so does everything when more than
    ``MAX_HELD`` wait: a lost message never stalls a feed or grows it without bound.
    """

    HOLD_SECONDS = 1.0
    MAX_HELD = 500

    def __init__(self, delivered: dict[int, int]) -> None:
        self.delivered = delivered  # lot id -> last bid seq handed on
        self.held: list[tuple[float, dict]] = []  # (deadline, event)

    @staticmethod
    def _key(item):
        return (item[1]["seq"], item[1]["type"] != "lot.bid")

    def push(self, event: dict, *, now: float) -> list[dict]:
        self.held.append((now + self.HOLD_SECONDS, event))
        if len(self.held) > self.MAX_HELD:
            return self.flush()
        return self.release(now=now)

    def next_deadline(self) -> float | None:
        return min((deadline for deadline, _ in self.held), default=None)

    def _ready(self, event: dict, expired: bool) -> bool | None:
        """True: hand on; False: keep waiting; None: an old duplicate, drop."""
        lot_id = event["lot_id"]
        done = self.delivered.setdefault(lot_id, event["seq"] - 1)
        if event["type"] != "lot.bid":
            return expired or event["seq"] <= done
        if event["seq"] <= done:
            return None
        return expired or event["seq"] == done + 1

    def release(self, *, now: float) -> list[dict]:
        out: list[dict] = []
        progress = True
        while progress and self.held:
            progress = False
            for item in sorted(self.held, key=self._key):
                deadline, event = item
                ready = self._ready(event, expired=deadline <= now)
                if ready is False:
                    continue
                self.held.remove(item)
                progress = True
                if ready:
                    out.append(event)
                    if event["type"] == "lot.bid":
                        self.delivered[event["lot_id"]] = event["seq"]
                break  # re-sort after each change: a release may free the next one
        return out

    def flush(self) -> list[dict]:
        out = [event for _, event in sorted(self.held, key=self._key)]
        self.held = []
        for event in out:
            if event["type"] == "lot.bid":
                lot_id = event["lot_id"]
                self.delivered[lot_id] = max(self.delivered.get(lot_id, 0), event["seq"])
        return out
