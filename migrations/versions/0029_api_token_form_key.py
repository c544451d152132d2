"""api_tokens.form_key: the creation form's one-time key, unique, so one form makes one token

Revision ID: 0029_api_token_form_key
Revises: 0028_state_names
Create Date: 2026-12-02 15:40:00

The session remembered which creation forms were sent, but two requests of the same form at the same moment (two
tabs, a double click before the first answer) both found the key unused and made two tokens. The key is now kept on
the token it made, checked under the user's row lock, and unique. Tokens from before have none.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0029_api_token_form_key'
down_revision = '0028_state_names'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('api_tokens') as batch:
        batch.add_column(sa.Column('form_key', sa.String(length=64), nullable=True))
        batch.create_unique_constraint(op.f('uq_api_tokens_form_key'), ['form_key'])


def downgrade():
    with op.batch_alter_table('api_tokens') as batch:
        batch.drop_constraint(op.f('uq_api_tokens_form_key'), type_='unique')
        batch.drop_column('form_key')
