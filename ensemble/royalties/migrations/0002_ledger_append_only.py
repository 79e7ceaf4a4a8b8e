"""On PostgreSQL, a trigger refuses UPDATE and DELETE on the ledger's rows (TRUNCATE, used
only by test flushes and operators, is not a row change). SQLite relies on the application."""

from typing import Any

from django.db import migrations

TABLES = ("royalties_transaction", "royalties_entry", "royalties_payout", "royalties_allocation")

CREATE = """
CREATE OR REPLACE FUNCTION royalties_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the ledger is append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql;
"""


def forwards(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(CREATE, params=None)
    for table in TABLES:
        schema_editor.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION royalties_append_only()"
        )


def backwards(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
    schema_editor.execute("DROP FUNCTION IF EXISTS royalties_append_only()")


class Migration(migrations.Migration):
    dependencies = [("royalties", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
