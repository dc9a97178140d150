"""Every access rule of the web application, in one place; anything not granted here is denied.

Roles (issue 8): ``admin`` everything on every centre; ``editor`` creates and edits patients of the
granted centres (and reads them); ``viewer`` reads the granted centres' records and reports and exports
them de-identified; ``auditor`` reads the audit trail. A record of a centre not granted answers 404,
exactly as one that does not exist (``records_scope`` is passed to every registry query).
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

from spinemet.registry.accounts import Account

__all__ = ["RULES", "Action", "can", "can_write_site", "records_scope"]


class Action(StrEnum):
    """What a request does."""

    READ_RECORDS = "read_records"
    WRITE_RECORDS = "write_records"
    READ_REPORT = "read_report"
    EXPORT_DEIDENTIFIED = "export_deidentified"
    EXPORT_PLAIN = "export_plain"
    IMPORT = "import"
    READ_AUDIT = "read_audit"
    ADMINISTER = "administer"


#: Action -> roles allowed. Scoring (the bedside calculator) needs no sign-in and stores nothing.
RULES: dict[Action, frozenset[str]] = {
    Action.READ_RECORDS: frozenset({"admin", "editor", "viewer"}),
    Action.WRITE_RECORDS: frozenset({"admin", "editor"}),
    Action.READ_REPORT: frozenset({"admin", "editor", "viewer"}),
    Action.EXPORT_DEIDENTIFIED: frozenset({"admin", "editor", "viewer"}),
    Action.EXPORT_PLAIN: frozenset({"admin", "editor"}),
    Action.IMPORT: frozenset({"admin", "editor"}),
    Action.READ_AUDIT: frozenset({"admin", "auditor"}),
    Action.ADMINISTER: frozenset({"admin"}),
}


def can(account: Account | None, action: Action) -> bool:
    """True when the signed-in ``account`` may do ``action`` (never for an anonymous request)."""
    return account is not None and account.role in RULES.get(action, frozenset())


def records_scope(account: Account) -> Sequence[str] | None:
    """Centres whose records ``account`` may see: ``None`` = all (admin), else the granted codes."""
    if account.role == "admin":
        return None
    return account.sites or ()


def can_write_site(account: Account, site: str | None) -> bool:
    """True when ``account`` may create or edit a patient of centre ``site``."""
    if not can(account, Action.WRITE_RECORDS):
        return False
    scope = records_scope(account)
    return scope is None or (site is not None and site in scope)
