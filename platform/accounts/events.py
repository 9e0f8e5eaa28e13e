"""Credentials ended while sockets may still use them: sockets close (4403) at once."""

import hashlib
from dataclasses import dataclass

from live.events import LiveEvent, publish


def auth_group(user_id: int) -> str:
    """Every open socket of a signed-in user listens here for the end of its credential."""
    return f"auth.{user_id}"


def token_credential(token_id: int) -> str:
    return f"token.{token_id}"


def session_credential(session_key: str) -> str:
    # A digest, not the key: group messages must not carry a usable session key.
    return "session." + hashlib.sha256(session_key.encode()).hexdigest()[:32]


@dataclass(frozen=True, kw_only=True)
class CredentialsRevoked(LiveEvent):
    """``credentials`` ended; or, with ``all_but``, every credential of the user but that
    one (a password change keeps only the caller signed in)."""

    TYPE = "auth.revoked"
    user_id: int
    credentials: list
    all_but: str | None = None

    def ends(self, credential: str) -> bool:
        if self.all_but is not None:
            return credential != self.all_but
        return credential in self.credentials


def credentials_revoked_publish(
    *, user_id: int, credentials: list[str] = (), all_but: str | None = None
) -> None:
    event = CredentialsRevoked(user_id=user_id, credentials=list(credentials), all_but=all_but)
    publish([(auth_group(user_id), event)])
