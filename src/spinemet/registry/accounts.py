"""Accounts of the web application: password policy, sign-in with throttling and lockout, sessions.

Built on ``registry.users`` (argon2id hashes, ``create_user``, ``verify_user``, ``user_sites``) and on the
``web_session`` / ``login_failure`` tables (migration 0005).

Policy (OWASP ASVS 4.0 level 2, V2 authentication and V3 session management):
- passwords of at least 12 characters, refused when in a small list of common passwords or when they
  contain the user name (ASVS 2.1.1, 2.1.7);
- throttling: from the 3rd consecutive failure of a user name, sign-in is refused for 2^(n-3) seconds
  (capped at 60); from the 10th, the name is locked for 15 minutes (ASVS 2.2.1). Unknown names are
  throttled the same way, so the answer does not reveal which names exist;
- sessions: a random 256-bit token in the cookie, only its sha256 stored; idle timeout 30 minutes,
  absolute 12 hours (ASVS 3.3.2); a new token at every sign-in (3.2.1), deleted at sign-out (3.3.1).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Connection, delete, func, insert, select, update

from spinemet.errors import InvalidInputError
from spinemet.registry.audit import utc_now
from spinemet.registry.models import LoginFailure, User, WebSession
from spinemet.registry.users import create_user, user_sites, verify_user

__all__ = [
    "ABSOLUTE_TIMEOUT",
    "IDLE_TIMEOUT",
    "MIN_PASSWORD_LENGTH",
    "Account",
    "LockedOut",
    "add_user",
    "check_lockout",
    "check_password",
    "end_session",
    "ensure_first_admin",
    "list_users",
    "needs_touch",
    "open_session",
    "record_attempt",
    "session_account",
    "sign_in",
]

MIN_PASSWORD_LENGTH = 12
IDLE_TIMEOUT = dt.timedelta(minutes=30)
ABSOLUTE_TIMEOUT = dt.timedelta(hours=12)
THROTTLE_FROM = 3
LOCK_FROM = 10
LOCK_FOR = dt.timedelta(minutes=15)
#: The idle timer is refreshed at most this often (one write per session per half minute).
TOUCH_EVERY = dt.timedelta(seconds=30)

#: Common passwords of 12 characters or more (from public breach top lists); compared case-insensitively.
COMMON_PASSWORDS = frozenset(
    {
        "123456789012", "1234567890123", "12345678901234", "123456789123", "111111111111",
        "000000000000", "123123123123", "qwertyuiopas", "qwertyuiop123", "qwerty123456",
        "1q2w3e4r5t6y", "1qaz2wsx3edc", "zaq12wsxcde3", "passwordpassword", "password1234",
        "password12345", "password123!", "passw0rd1234", "iloveyou1234", "administrator",
        "adminadmin123", "welcome12345", "welcome123456", "letmein12345", "changeme1234",
        "abcdefghijkl", "abc123456789", "aaaaaaaaaaaa", "football1234", "baseball1234",
        "sunshine1234", "princess1234", "starwars1234", "dragon123456", "monkey123456",
        "trustno1trustno1", "superman1234", "michael12345", "computer1234", "internet1234",
        "spinemetspinemet", "hospital1234", "doctor123456", "patient12345", "registry1234",
        "qwertyqwerty", "asdfghjkl123", "zxcvbnm12345", "987654321098", "summer2024!!",
    }
)  # fmt: skip


class LockedOut(Exception):
    """Sign-in refused for now (throttled or locked); ``retry_after`` in whole seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many failed sign-ins; try again in {retry_after} s")
        self.retry_after = retry_after


@dataclass(frozen=True)
class Account:
    """A signed-in user: name, role and the centres granted (``None`` = every centre, admins only)."""

    user_id: int
    username: str
    role: str
    sites: tuple[str, ...] | None

    def to_dict(self) -> dict[str, object]:
        """``{"username", "role", "sites"}`` (``sites`` lists every granted centre; ``[]`` for admins =
        all)."""
        return {"username": self.username, "role": self.role, "sites": list(self.sites or ())}


def check_password(password: str, username: str = "") -> None:
    """Refuse a weak password (``InvalidInputError`` naming what is allowed; never echoes it)."""
    allowed = f"at least {MIN_PASSWORD_LENGTH} characters, not a common password, not containing the name"
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInputError("password", "(hidden)", allowed, f"{len(password)} characters")
    if password.lower() in COMMON_PASSWORDS or len(set(password)) < 4:
        raise InvalidInputError("password", "(hidden)", allowed, "a common or repetitive password")
    if username and username.lower() in password.lower():
        raise InvalidInputError("password", "(hidden)", allowed, "contains the user name")


def add_user(conn: Connection, username: str, password: str, *, role: str, sites: Iterable[str] = ()) -> int:
    """Create a user after the password policy (``registry.users.create_user`` does the hashing)."""
    check_password(password, username)
    if conn.execute(select(func.count()).where(User.username == username)).scalar_one():
        raise InvalidInputError("username", username, "a name not yet taken")
    return create_user(conn, username, password, role=role, sites=sites)


def list_users(conn: Connection) -> list[dict[str, object]]:
    """Every user: name, role, active, centres."""
    rows = conn.execute(select(User.username, User.role, User.active).order_by(User.username)).all()
    return [
        {"username": name, "role": role, "active": bool(active), "sites": user_sites(conn, name)}
        for name, role, active in rows
    ]


def ensure_first_admin(conn: Connection) -> tuple[str, str] | None:
    """On a registry without users: create ``admin`` with a random one-time password, return both."""
    if conn.execute(select(func.count()).select_from(User)).scalar_one():
        return None
    password = secrets.token_urlsafe(15)
    create_user(conn, "admin", password, role="admin")
    return "admin", password


def _account(conn: Connection, user_id: int) -> Account | None:
    row = conn.execute(select(User.username, User.role, User.active).where(User.id == user_id)).first()
    if row is None or not row.active:
        return None
    sites = None if row.role == "admin" else tuple(user_sites(conn, row.username))
    return Account(user_id, row.username, row.role, sites)


def check_lockout(conn: Connection, username: str, *, now: dt.datetime | None = None) -> None:
    """Raise ``LockedOut`` when ``username`` may not try to sign in now (read only)."""
    now = now or utc_now()
    failure = conn.execute(
        select(LoginFailure.__table__).where(LoginFailure.username == username[:100])
    ).first()
    if failure is not None and failure.locked_until is not None and failure.locked_until > now:
        raise LockedOut(max(1, int((failure.locked_until - now).total_seconds() + 0.999)))


def record_attempt(
    conn: Connection, username: str, success: bool, *, now: dt.datetime | None = None
) -> Account | None:
    """Record a checked sign-in: reset the failures and return the account, or count the failure and
    set the throttle/lock (returns ``None``)."""
    now = now or utc_now()
    name = username[:100]
    if success:
        conn.execute(delete(LoginFailure).where(LoginFailure.username == name))
        user_id = conn.execute(select(User.id).where(User.username == name)).scalar_one()
        return _account(conn, int(user_id))
    failure = conn.execute(select(LoginFailure.__table__).where(LoginFailure.username == name)).first()
    failures = 1 if failure is None else failure.failures + 1
    locked_until = None
    if failures >= LOCK_FROM:
        locked_until = now + LOCK_FOR
    elif failures >= THROTTLE_FROM:
        locked_until = now + dt.timedelta(seconds=min(2 ** (failures - THROTTLE_FROM), 60))
    values = {"failures": failures, "last_failure": now, "locked_until": locked_until}
    if failure is None:
        conn.execute(insert(LoginFailure).values(username=name, **values))
    else:
        conn.execute(update(LoginFailure).where(LoginFailure.username == name).values(**values))
    return None


def sign_in(
    conn: Connection, username: str, password: str, *, now: dt.datetime | None = None
) -> Account | None:
    """Check a password with throttling; the account, or ``None`` for a wrong name or password.

    The web application runs the three steps itself so that the (deliberately slow) argon2 check
    happens outside the write transaction: :func:`check_lockout`, ``verify_user``, :func:`record_attempt`.

    Raises:
        LockedOut: the name is throttled or locked (the password is not even checked).
    """
    now = now or utc_now()
    check_lockout(conn, username, now=now)
    return record_attempt(conn, username, verify_user(conn, username[:100], password), now=now)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def open_session(conn: Connection, account: Account, *, now: dt.datetime | None = None) -> tuple[str, str]:
    """A new session for ``account``: (cookie token, CSRF token)."""
    now = now or utc_now()
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    conn.execute(
        insert(WebSession).values(
            token_sha256=_digest(token),
            user_id=account.user_id,
            csrf_token=csrf,
            created_at=now,
            last_seen=now,
        )
    )
    conn.execute(delete(WebSession).where(WebSession.created_at < now - ABSOLUTE_TIMEOUT))
    return token, csrf


def session_account(
    conn: Connection, token: str, *, now: dt.datetime | None = None, touch: bool = True
) -> tuple[Account, str] | None:
    """(account, CSRF token) of a live session; ``None`` if expired or unknown.

    With ``touch`` (default) the idle timer is refreshed (at most every 30 s, to spare writes) and an
    expired session is deleted; with ``touch=False`` nothing is written (see :func:`needs_touch`).
    """
    now = now or utc_now()
    digest = _digest(token)
    row = conn.execute(select(WebSession.__table__).where(WebSession.token_sha256 == digest)).first()
    if row is None:
        return None
    if row.last_seen < now - IDLE_TIMEOUT or row.created_at < now - ABSOLUTE_TIMEOUT:
        if touch:
            conn.execute(delete(WebSession).where(WebSession.token_sha256 == digest))
        return None
    account = _account(conn, row.user_id)
    if account is None:
        return None
    if touch and now - row.last_seen > TOUCH_EVERY:
        conn.execute(update(WebSession).where(WebSession.token_sha256 == digest).values(last_seen=now))
    return account, row.csrf_token


def needs_touch(conn: Connection, token: str, *, now: dt.datetime | None = None) -> bool:
    """True when the session's idle timer is due for a refresh (read only)."""
    now = now or utc_now()
    seen = conn.execute(
        select(WebSession.last_seen).where(WebSession.token_sha256 == _digest(token))
    ).scalar_one_or_none()
    return seen is not None and now - seen > TOUCH_EVERY


def end_session(conn: Connection, token: str) -> None:
    """Revoke a session (sign-out)."""
    conn.execute(delete(WebSession).where(WebSession.token_sha256 == _digest(token)))
