"""Integrations with other libraries, each behind its own extra (``genever.ext.sqlalchemy``:
``pip install 'genever[sqlalchemy]'``). Nothing in the core imports this package."""
