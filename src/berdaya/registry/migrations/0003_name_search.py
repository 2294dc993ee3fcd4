"""Name search indexes, one per database (see registry/search.py).

PostgreSQL: pg_trgm and a GIN trigram index on name_search (contains and
word-similarity both use it). SQLite: an external-content FTS5 table with the
trigram tokenizer, kept in step with registry_entity by triggers.
"""

from django.db import migrations

FTS = "registry_entity_fts"

SQLITE_FORWARD = [
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS} USING fts5("
    "name_search, content='registry_entity', content_rowid='id', tokenize='trigram')",
    f"INSERT INTO {FTS}(rowid, name_search) SELECT id, name_search FROM registry_entity",
    f"""CREATE TRIGGER IF NOT EXISTS registry_entity_fts_ai AFTER INSERT ON registry_entity BEGIN
        INSERT INTO {FTS}(rowid, name_search) VALUES (new.id, new.name_search); END""",
    f"""CREATE TRIGGER IF NOT EXISTS registry_entity_fts_ad AFTER DELETE ON registry_entity BEGIN
        INSERT INTO {FTS}({FTS}, rowid, name_search) VALUES ('delete', old.id, old.name_search); END""",
    f"""CREATE TRIGGER IF NOT EXISTS registry_entity_fts_au AFTER UPDATE OF name_search ON registry_entity BEGIN
        INSERT INTO {FTS}({FTS}, rowid, name_search) VALUES ('delete', old.id, old.name_search);
        INSERT INTO {FTS}(rowid, name_search) VALUES (new.id, new.name_search); END""",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS registry_entity_fts_ai",
    "DROP TRIGGER IF EXISTS registry_entity_fts_ad",
    "DROP TRIGGER IF EXISTS registry_entity_fts_au",
    f"DROP TABLE IF EXISTS {FTS}",
]
POSTGRES_FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS registry_entity_name_trgm ON registry_entity "
    "USING gin (name_search gin_trgm_ops)",
]
POSTGRES_BACKWARD = ["DROP INDEX IF EXISTS registry_entity_name_trgm"]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("registry", "0002_load_kbli")]
    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}),
            _run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}),
        )
    ]
