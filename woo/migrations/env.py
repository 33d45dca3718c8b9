"""Alembic environment: the URL comes from woo's configuration (set by woo.adapters.db)."""
from alembic import context

from woo.adapters.db import engine_for
from woo.adapters.models import Base

config = context.config
url = config.get_main_option("sqlalchemy.url")


def run_migrations_offline() -> None:
    context.configure(url=url, target_metadata=Base.metadata, literal_binds=True,
                      render_as_batch=url.startswith("sqlite"))
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = engine_for(url)
    sqlite = url.startswith("sqlite")
    with engine.connect() as connection:
        if sqlite:
            # SQLite batch migrations recreate a table (copy, drop, rename). With foreign keys enforced the
            # drop fails as soon as other rows refer to the table (documents -> publications), i.e. on every
            # installation that holds data. Off while migrating (the pragma only works outside a
            # transaction), then every reference is checked before the migration commits.
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        try:
            context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=sqlite)
            with context.begin_transaction():
                context.run_migrations()
                if sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
                    if broken:
                        raise RuntimeError(f"Migratie afgebroken: {len(broken)} verwijzing(en) kloppen niet meer "
                                           f"(eerste: {tuple(broken[0])}).")
            connection.commit()
        finally:
            if sqlite:
                connection.rollback()
                connection.exec_driver_sql("PRAGMA foreign_keys=ON")
                connection.commit()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
