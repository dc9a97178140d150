"""spinemet.registry: the registry database (SQLAlchemy models, Alembic migrations), cohort import and
export, the append-only audit trail, follow-up, users, and portable backup/restore.

See ``docs/registry.md``. Backup and restore are :func:`spinemet.registry.backup.backup` and
:func:`spinemet.registry.backup.restore` (not re-exported here, so the module name stays the module).
Layer: may import everything below it (errors ... report), never the CLI.
"""

from __future__ import annotations

from spinemet.registry.audit import WriteContext, audit_frame
from spinemet.registry.backup import BackupInfo, table_counts
from spinemet.registry.engine import make_engine, resolve_url
from spinemet.registry.errors import BackupError, RegistryError
from spinemet.registry.export import ExportResult, export_file, export_frame
from spinemet.registry.followup import add_follow_up, delete_follow_up, list_follow_up
from spinemet.registry.importer import ImportReport, import_file
from spinemet.registry.patients import delete_patient
from spinemet.registry.query import load_frame
from spinemet.registry.schema import current_revision, ensure_schema, head_revision, upgrade
from spinemet.registry.store import StoreResult, store_frame
from spinemet.registry.users import create_user, user_sites, verify_user

__all__ = [
    "BackupError",
    "BackupInfo",
    "ExportResult",
    "ImportReport",
    "RegistryError",
    "StoreResult",
    "WriteContext",
    "add_follow_up",
    "audit_frame",
    "create_user",
    "current_revision",
    "delete_follow_up",
    "delete_patient",
    "ensure_schema",
    "export_file",
    "export_frame",
    "head_revision",
    "import_file",
    "list_follow_up",
    "load_frame",
    "make_engine",
    "resolve_url",
    "store_frame",
    "table_counts",
    "upgrade",
    "user_sites",
    "verify_user",
]
