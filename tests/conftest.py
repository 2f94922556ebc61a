"""Braid's test suite: every test gets its own migrated database, on SQLite and on PostgreSQL."""
import gc

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


def pytest_collection_finish(session) -> None:
    """Python's cyclic garbage collector took a sixth of a test process's time, most of it scanning again and again
    what is loaded once and kept for the whole run (modules, templates, compiled SQL): that is frozen once the tests
    are collected (never scanned again), and the youngest objects are collected every 50,000 allocations, not 700."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)


def pytest_collection_modifyitems(items) -> None:
    """The longest tests (marked `long_running`, each a minute or more of a worker) first, the rest in their order.
    pytest-xdist hands each worker a contiguous run of the list and an idle worker takes from the end of another's:
    started first, the long tests overlap the short ones; run last (the root's modules are collected last), one
    worker finished them alone while the others waited."""
    items.sort(key=lambda item: item.get_closest_marker("long_running") is None)
