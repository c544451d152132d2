"""one name per state: nationality and country of training as the German name of tracker.parties.countries

Revision ID: 0028_state_names
Revises: 0027_report_export_lease
Create Date: 2026-12-02 15:10:00

The case form took nationality and country of training as free text, so the reports split one state over its
spellings ("Vietnam", "vietnam", "VN"). The form now keeps the one German name; this brings the rows from before to
it: every value that names a state (German or English name, ISO code, in any case and spacing), or "staatenlos" /
"ungeklärt" for a nationality, is written as that name. A value that names none is left as it was typed. The audit
trail is not touched: it records what was entered, and its hashes stay valid.
"""
import sqlalchemy as sa
from alembic import op

from tracker.parties import countries

# revision identifiers, used by Alembic.
revision = '0028_state_names'
down_revision = '0027_report_export_lease'
branch_labels = None
depends_on = None

COLUMNS = (("persons", "nationality", countries.nationality),
           ("cases", "training_country", countries.state),
           ("case_facts", "nationality", countries.nationality),
           ("case_facts", "training_country", countries.state))


def upgrade():
    bind = op.get_bind()
    for table, column, canonical in COLUMNS:
        target = sa.table(table, sa.column(column))
        field = target.c[column]
        for value in bind.execute(sa.select(field).distinct()).scalars().all():
            name = canonical(value)
            if name is not None and name != value:
                bind.execute(sa.update(target).where(field == value).values({column: name}))


def downgrade():
    # The spellings typed before are not kept anywhere: the names stay (they name the same states).
    pass
