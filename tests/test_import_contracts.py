"""The walls between packages: the import contracts (import-linter, pyproject.toml) hold, and catch a breach;
importing models loads no view; no import circles but a blueprint and its views; few function-local imports."""
from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"
CONTRACT_NAMES = {
    contract["id"]: contract["name"]
    for contract in tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]
}


def lint_imports(root: Path) -> subprocess.CompletedProcess:
    environ = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=root, env=environ, capture_output=True, text=True)


def test_every_contract_is_kept():
    run = lint_imports(ROOT)
    assert run.returncode == 0, run.stdout + run.stderr
    assert f"Contracts: {len(CONTRACT_NAMES)} kept, 0 broken." in run.stdout


@pytest.fixture(scope="module")
def copy_of_the_code(tmp_path_factory) -> Path:
    """The app's Python files and the contracts, copied: a breach is written into the copy, never the tree."""
    copy = tmp_path_factory.mktemp("walls")
    shutil.copytree(ROOT / "app", copy / "app", ignore=shutil.ignore_patterns("static", "__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", copy)
    shutil.copy(ROOT / "config.py", copy)
    return copy


# (module that breaks the wall, the import it gains, the contract that must fail)
BREACHES = [
    ("app/audit/chain.py", "from app.cases.learners.models import Learner", "audit-knows-no-domain"),
    ("app/audit/review/services.py", "from app.agencies.accounts.models import User", "audit-knows-no-domain"),
    ("app/security/limits.py", "from app.agencies.accounts.models import User", "security-knows-no-domain"),
    ("app/core/mail/services.py", "from app.cases.team.models import Invitation", "core-knows-no-domain"),
    ("app/cases/plans/services.py", "from app.cpd.entries.models import ReflectiveEntry", "cases-know-nothing-of-cpd"),
    ("app/agencies/accounts/services.py", "from app.cases.learners.models import Learner",
     "agencies-know-nothing-of-cases-or-cpd"),
    ("app/policy/rules.py", "from app.cases.plans import services as plans", "policy-asks-models-only"),
]


@pytest.mark.parametrize(("module", "statement", "contract"), BREACHES, ids=[b[2] + ":" + b[0] for b in BREACHES])
@pytest.mark.parametrize("where", ["top", "inside a function"])
def test_a_forbidden_import_breaks_its_contract(copy_of_the_code, module, statement, contract, where):
    path = copy_of_the_code / module
    original = path.read_text()
    breach = f"\n{statement}  # the breach\n" if where == "top" else \
        f"\n\ndef _breach():\n    {statement}  # the breach\n    return None\n"
    path.write_text(original + breach)
    try:
        run = lint_imports(copy_of_the_code)
    finally:
        path.write_text(original)
    assert run.returncode == 1, run.stdout
    assert f"{CONTRACT_NAMES[contract]} BROKEN" in run.stdout, run.stdout
    assert module.removesuffix(".py").replace("/", ".") in run.stdout.split("Broken contracts", 1)[1]


def test_the_copy_keeps_every_contract_without_a_breach(copy_of_the_code):
    """The breach test above fails for the breach, not because the copy is broken."""
    run = lint_imports(copy_of_the_code)
    assert run.returncode == 0, run.stdout + run.stderr


def test_importing_every_models_module_loads_no_view_module():
    models = sorted(
        ".".join(path.relative_to(ROOT).with_suffix("").parts)
        for path in (ROOT / "app").rglob("models.py")
    )
    assert "app.models" in models and "app.cases.learners.models" in models and len(models) > 15
    script = (
        "import importlib, json, sys\n"
        f"for name in {models!r}: importlib.import_module(name)\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    run = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True)
    loaded = [name for name in json.loads(run.stdout) if name.startswith("app")]
    pages = [name for name in loaded
             if name.rsplit(".", 1)[-1] in ("views", "blueprint", "forms", "factory", "web")]
    assert pages == [], pages
    assert "app.cases.learners.models" in loaded  # the script did import the models


def test_no_import_circles_but_a_blueprint_and_its_views():
    """A blueprint imports its views so that they register, and they import its `bp`: Flask's own pattern.
    Any other circle is a wall crossed inside a function waiting to happen."""
    graph = grimp.build_graph("app")
    circles = strongly_connected(graph)
    for circle in circles:
        blueprints = [name for name in circle if name.endswith(".blueprint")]
        others = [name for name in circle if not name.endswith((".blueprint", ".views"))]
        assert len(blueprints) == 1 and others == [], circle


def strongly_connected(graph) -> list[list[str]]:
    """Tarjan's algorithm over the import graph: every group of modules that import each other."""
    edges = {module: sorted(graph.find_modules_directly_imported_by(module)) for module in graph.modules}
    index, low, stack, on_stack, found = {}, {}, [], set(), []
    counter = 0
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))

    def visit(module):
        nonlocal counter
        index[module] = low[module] = counter
        counter += 1
        stack.append(module)
        on_stack.add(module)
        for imported in edges[module]:
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == module:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for module in sorted(edges):
        if module not in index:
            visit(module)
    return found


def function_local_imports() -> list[tuple[str, int, str]]:
    """(file, line, the comment that gives its reason) of every `from app…`/`import app…` inside a function."""
    found = []
    for path in sorted((ROOT / "app").rglob("*.py")):
        source = path.read_text()
        lines = source.splitlines()
        for node in ast.walk(ast.parse(source)):
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for inner in ast.walk(node):
                named = inner.module if isinstance(inner, ast.ImportFrom) else \
                    inner.names[0].name if isinstance(inner, ast.Import) else None
                if named and (named == "app" or named.startswith("app.")):
                    before = lines[inner.lineno - 2].strip()
                    same = lines[inner.lineno - 1]
                    reason = same.split("#", 1)[1].strip() if "#" in same else \
                        before.lstrip("# ") if before.startswith("#") else ""
                    found.append((str(path.relative_to(ROOT)), inner.lineno, reason))
    return found


def test_function_local_imports_are_a_handful_each_with_its_reason():
    found = function_local_imports()
    assert len(found) <= 5, found
    assert all(reason for _, _, reason in found), [f for f in found if not f[2]]
