"""Items and their tags, and the first item.

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    items = op.create_table(
        "items",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(64), nullable=False, unique=True),
        sa.Column("price", sa.Float, nullable=False),
        sa.Column("owner", sa.String(64), nullable=False),
    )
    op.create_table(
        "item_tags",
        sa.Column("item_id", sa.Integer, sa.ForeignKey("items.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("tag", sa.String(32), primary_key=True),
    )
    op.create_index("ix_item_tags_tag", "item_tags", ["tag"])
    op.create_index("ix_items_price", "items", ["price"])
    op.execute(items.insert().values(name="widget", price=9.5, owner="alice"))
    op.execute("INSERT INTO item_tags (item_id, tag) SELECT id, 'tools' FROM items WHERE name = 'widget'")


def downgrade() -> None:
    op.drop_table("item_tags")
    op.drop_table("items")
