"""Alembic's environment for the example service.

The service runs the migrations itself at start-up (``genever.ext.sqlalchemy.upgrade``),
handing its connection over in ``config.attributes["connection"]``; from the
command line (``alembic -c examples/alembic.ini upgrade head``) the engine is
made from ``DATABASE_URL``, as the service makes it.
"""

import asyncio
import logging.config

from alembic import context
from examples.service import Base, db

from genever.ext.sqlalchemy import create_engine

config = context.config
target_metadata = Base.metadata


def run(connection: object) -> None:
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


async def run_from_the_command_line() -> None:
    engine = create_engine(db.url)
    async with engine.connect() as connection:
        await connection.run_sync(run)
        await connection.commit()
    await engine.dispose()


connection = config.attributes.get("connection")
if connection is not None:
    run(connection)
elif context.is_offline_mode():
    context.configure(url=db.url, target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    if config.config_file_name is not None:
        logging.config.fileConfig(config.config_file_name)
    asyncio.run(run_from_the_command_line())
