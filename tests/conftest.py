"""Braid's test suite: every test gets its own migrated database, on SQLite and on PostgreSQL."""
pytest_plugins = [
    "tests.fixtures.compiled_sql",
    "tests.fixtures.databases",
    "tests.fixtures.application",
    "tests.fixtures.accounts",
    "tests.fixtures.learners",
    "tests.fixtures.cases",
    "tests.fixtures.browser",
    "tests.fixtures.demo",
    "tests.fixtures.worlds",
]
