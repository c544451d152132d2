"""One account per e-mail address whatever its capitals: a unique index on lower(email)

Revision ID: 0026_user_email_folded_unique
Revises: 0025_grantor_length
Create Date: 2026-12-02 00:00:00

Logins and invitations look addresses up lower-cased; the unique constraint on ``email`` compared them as typed,
so "Kai@Pflege.example" could become a second account beside "kai@pflege.example", and a login by that address
would then find two. PostgreSQL only (SQLite cannot compare an expression index with the models). The upgrade refuses (rather than merges) accounts that already share an address this way:
which of them is the person's is for an administrator to decide.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0026_user_email_folded_unique'
down_revision = '0025_grantor_length'
branch_labels = None
depends_on = None

#: What an administrator runs to see the accounts that stop the upgrade.
SHARED_ADDRESSES = ("SELECT id, email, active FROM users WHERE lower(email) IN "
                    "(SELECT lower(email) FROM users GROUP BY 1 HAVING count(*) > 1)")


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite writes one transaction at a time; see tracker.auth.models.User
    shared = op.get_bind().execute(sa.text(
        "SELECT lower(email) FROM users GROUP BY lower(email) HAVING count(*) > 1")).scalars().all()
    if shared:
        raise RuntimeError(
            f"{len(shared)} e-mail address(es) belong to more than one account when capitals are ignored; deactivate "
            f"or rename the surplus accounts ({SHARED_ADDRESSES}), then upgrade again")
    op.create_index('uq_users_email_folded', 'users', [sa.text('lower(email)')], unique=True)


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index('uq_users_email_folded', table_name='users')
