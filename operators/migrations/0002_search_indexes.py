"""PostgreSQL search: pg_trgm, a GIN index on the full-text vector and a trigram index.

On SQLite nothing happens here: the search selector falls back to LIKE over the same column.
"""

from django.contrib.postgres.indexes import GinIndex, OpClass
from django.contrib.postgres.operations import TrigramExtension
from django.contrib.postgres.search import SearchVector
from django.db import migrations

FTS_INDEX = "product_search_fts_idx"
TRGM_INDEX = "product_search_trgm_idx"


def _indexes():
    return [
        GinIndex(SearchVector("search_text", config="simple"), name=FTS_INDEX),
        GinIndex(OpClass("search_text", name="gin_trgm_ops"), name=TRGM_INDEX),
    ]


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    product = apps.get_model("operators", "Product")
    for index in _indexes():
        schema_editor.add_index(product, index)


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    product = apps.get_model("operators", "Product")
    for index in _indexes():
        schema_editor.remove_index(product, index)


class Migration(migrations.Migration):
    dependencies = [("operators", "0001_initial")]

    operations = [
        TrigramExtension(),
        migrations.RunPython(create_indexes, drop_indexes),
    ]
