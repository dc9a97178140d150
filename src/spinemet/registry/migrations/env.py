"""Alembic environment for the registry.

spinemet builds the Alembic configuration in code (:func:`spinemet.registry.schema.alembic_config`) and
passes an open connection in ``config.attributes["connection"]``, so migrations run inside the caller's
transaction and work from an installed package (no alembic.ini needed). Running ``alembic`` by hand with
``-x url=...`` also works.
"""

from __future__ import annotations

from alembic import context

from spinemet.registry.engine import make_engine
from spinemet.registry.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_offline() -> None:
    """Emit SQL to stdout for the URL given in the config (``alembic upgrade --sql``)."""
    url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option("sqlalchemy.url")
    context.configure(url=url, target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run migrations on the connection given by spinemet, or on a new one for the configured URL."""
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=target_metadata, transactional_ddl=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option("sqlalchemy.url")
    engine = make_engine(url)
    with engine.begin() as conn:
        context.configure(connection=conn, target_metadata=target_metadata, transactional_ddl=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
