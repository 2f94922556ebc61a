"""Is every column classified, and does every classification name a column that exists? Shared by the test that
fails for an unclassified column and by `flask gdpr article30`, which refuses to print an incomplete record."""
from __future__ import annotations

from collections.abc import Iterable, Mapping

from sqlalchemy import MetaData

from app.data_protection.processing.columns import COLUMNS, Classification

# Tables a migrated database has that no model declares, each with why it holds nothing to classify.
NOT_CLASSIFIED: dict[str, str] = {
    "alembic_version": "Alembic's bookkeeping: the schema's revision number, about no one",
}

Schema = MetaData | Mapping[str, Iterable[str]]


def columns_of(schema: Schema) -> dict[str, list[str]]:
    """table -> its column names, from the models' MetaData or from a database's own tables (a mapping), less
    the tables that hold nothing to classify."""
    if isinstance(schema, MetaData):
        tables = {name: [column.name for column in table.columns] for name, table in schema.tables.items()}
    else:
        tables = {name: list(columns) for name, columns in schema.items()}
    return {name: columns for name, columns in tables.items() if name not in NOT_CLASSIFIED}


def unclassified_columns(schema: Schema,
                         classified: Mapping[str, Mapping[str, Classification]] = COLUMNS) -> list[str]:
    """"table.column" for every column of `schema` with no classification, sorted: empty when all are."""
    return sorted(f"{table}.{column}" for table, columns in columns_of(schema).items()
                  for column in columns if column not in classified.get(table, {}))


def unknown_classifications(schema: Schema,
                            classified: Mapping[str, Mapping[str, Classification]] = COLUMNS) -> list[str]:
    """"table.column" for every classification that names no column of `schema` (a column renamed or dropped,
    a typo), sorted."""
    tables = columns_of(schema)
    return sorted(f"{table}.{column}" for table, columns in classified.items()
                  for column in columns if column not in tables.get(table, ()))
