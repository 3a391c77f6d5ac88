"""Alembic environment: runs migrations on the engine the caller passes (no URL in a config file)."""

from __future__ import annotations

from alembic import context

import revcycle.store.metadata as _metadata

target_metadata = _metadata.metadata()
engine = context.config.attributes["engine"]

with engine.begin() as connection:
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
    context.run_migrations()
