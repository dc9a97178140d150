"""Registry users (for the later web application): argon2 password hashes, roles, centre access."""

from __future__ import annotations

from collections.abc import Iterable

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, insert, select, update

from spinemet.errors import InvalidInputError
from spinemet.registry.audit import utc_now
from spinemet.registry.models import ROLES, Site, User, UserSite
from spinemet.registry.store import ensure_sites

__all__ = ["create_user", "user_sites", "verify_user"]

_HASHER = PasswordHasher()


def create_user(
    conn: Connection, username: str, password: str, *, role: str = "viewer", sites: Iterable[str] = ()
) -> int:
    """Create a user with an argon2id hash of ``password``; ``sites`` limits the centres it may see."""
    if role not in ROLES:
        raise InvalidInputError("role", role, ", ".join(ROLES))
    if not username:
        raise InvalidInputError("username", username, "a non-empty name")
    if len(password) < 8:
        raise InvalidInputError("password", "(hidden)", "at least 8 characters")
    user_id = conn.execute(
        insert(User)
        .values(
            username=username,
            password_hash=_HASHER.hash(password),
            role=role,
            active=True,
            created_at=utc_now(),
        )
        .returning(User.id)
    ).scalar_one()
    site_ids = ensure_sites(conn, sites)
    for site_id in sorted(site_ids.values()):
        conn.execute(insert(UserSite).values(user_id=user_id, site_id=site_id))
    return int(user_id)


def verify_user(conn: Connection, username: str, password: str) -> bool:
    """True when the user exists, is active and ``password`` matches (re-hashes outdated parameters)."""
    row = conn.execute(
        select(User.id, User.password_hash, User.active).where(User.username == username)
    ).first()
    if row is None or not row.active:
        return False
    try:
        _HASHER.verify(row.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
    if _HASHER.check_needs_rehash(row.password_hash):
        conn.execute(update(User).where(User.id == row.id).values(password_hash=_HASHER.hash(password)))
    return True


def user_sites(conn: Connection, username: str) -> list[str]:
    """Codes of the centres a user may see (empty = no restriction recorded)."""
    stmt = (
        select(Site.code)
        .join(UserSite, UserSite.site_id == Site.id)
        .join(User, User.id == UserSite.user_id)
        .where(User.username == username)
        .order_by(Site.code)
    )
    return list(conn.execute(stmt).scalars())
