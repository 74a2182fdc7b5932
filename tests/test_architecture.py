"""The layers import one way (docs/architecture.md), and no module imports itself in a circle.

Every `import` and `from … import` of a tracker module is read from the source
(function-level imports too); a module may import its own layer or a lower one.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
PACKAGE = ROOT / "tracker"

# lowest first; a module belongs to the first entry whose prefix it has
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("values", ("tracker.values", "tracker.problems", "tracker.periods", "tracker.rules", "tracker.formats",
                "tracker.privacy", "tracker.words", "tracker.notice", "tracker.atomic", "tracker.userfiles",
                "tracker.options", "tracker.award_rules", "tracker")),
    ("store", ("tracker.store",)),
    ("ingest", ("tracker.ingest",)),
    ("assess", ("tracker.assess",)),
    ("render", ("tracker.render",)),
    ("reports", ("tracker.reports", "tracker.exports", "tracker.demo_data", "tracker.certificates")),
    ("api", ("tracker.api",)),
    ("cli", ("tracker.cli", "tracker.web", "tracker.__main__")),
]


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer(module: str) -> int:
    best = None
    for i, (_, prefixes) in enumerate(LAYERS):
        for p in prefixes:
            if (module == p or module.startswith(p + ".")) and (best is None or len(p) > best[1]):
                best = (i, len(p))
    assert best is not None, module
    return best[0]


def imports(path: Path, *, typing: bool = False) -> set[str]:
    """tracker modules imported by the file (with `typing`, those of `if TYPE_CHECKING:` blocks too)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test) and not typing:
            return
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name.startswith("tracker"))
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("tracker"):
            for a in node.names:  # `from tracker.x import y` may import the module tracker.x.y
                sub = f"{node.module}.{a.name}"
                out.add(sub if (PACKAGE.parent / (sub.replace(".", "/") + ".py")).exists()
                        or (PACKAGE.parent / sub.replace(".", "/")).is_dir() else node.module)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return out


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_module_imports_a_higher_layer(module):
    mine = layer(module)
    higher = [m for m in imports(MODULES[module]) if layer(m) > mine]
    assert not higher, f"{module} ({LAYERS[mine][0]}) imports {higher}: see docs/architecture.md"


def test_no_import_cycles():
    """Function-level and type-only imports count too: a lazy import is still a dependency, and a
    type named across a circle is two modules that cannot be read apart."""
    graph = {m: {i for i in imports(p, typing=True) if i in MODULES and i != m} for m, p in MODULES.items()}
    # a package's __init__ importing its own submodules is a registry, not a cycle
    for m in graph:
        graph[m] = {i for i in graph[m] if not (MODULES[m].name == "__init__.py" and i.startswith(m + "."))}
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(m: str) -> None:
        state[m] = 1
        stack.append(m)
        for n in sorted(graph[m]):
            if state.get(n) == 1:
                cycle = stack[stack.index(n):] + [n]
                raise AssertionError("import cycle: " + " → ".join(cycle))
            if n not in state:
                visit(n)
        stack.pop()
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m)


def test_the_layer_test_can_fail(tmp_path):
    """A low module importing a high one is caught (guards the test itself)."""
    bad = tmp_path / "tracker" / "values.py"
    bad.parent.mkdir()
    bad.write_text("from tracker.reports.model import Report\n", encoding="utf-8")
    found = imports(bad)
    assert found and all(layer(m) > layer("tracker.values") for m in found)


# ---------------------------------------------------------------- the API and its callers (docs/architecture.md)

FRONTS = [m for m in MODULES if m.startswith(("tracker.cli", "tracker.web"))]
FORBIDDEN = ("duckdb", "tracker.store", "tracker.ingest.pipeline")


def _all_imports(path: Path) -> set[str]:
    """Every module the file imports, tracker's or not, type-only imports included."""
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
            out.update(f"{node.module}.{a.name}" for a in node.names)
    return out


@pytest.mark.parametrize("module", FRONTS)
def test_the_cli_and_the_web_reach_the_data_only_through_the_api(module):
    """No database, store or load pipeline below the API: what they catch (DatabaseBusy, …) the API re-exports."""
    found = [m for m in _all_imports(MODULES[module]) if any(m == f or m.startswith(f + ".") for f in FORBIDDEN)]
    assert not found, f"{module} imports {found}"


def test_the_api_writes_no_sql():
    """Queries live in store/ or the capability packages, not in tracker/api/."""
    sql = __import__("re").compile(r"\b(SELECT|INSERT|UPDATE|DELETE|CHECKPOINT|CREATE)\b")
    for module, path in MODULES.items():
        if not module.startswith("tracker.api"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and sql.search(node.value):
                raise AssertionError(f"{module}: SQL in the API: {node.value[:60]!r}")


MAX_MODULE_LINES = 600
MAX_FUNCTION_LINES = 80


@pytest.mark.parametrize("module", sorted(MODULES))
def test_modules_and_functions_stay_small(module):
    """A module owns one thing and a function does one (docs/architecture.md, "Where does a new command go")."""
    text = MODULES[module].read_text(encoding="utf-8")
    assert len(text.splitlines()) <= MAX_MODULE_LINES, f"{module}: {len(text.splitlines())} lines"
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            n = node.end_lineno - node.lineno + 1
            assert n <= MAX_FUNCTION_LINES, f"{module}.{node.name}: {n} lines"


def _scoped_api_functions() -> set[str]:
    import inspect

    from tracker import api

    return {n for n in api.__all__ if callable(getattr(api, n)) and not isinstance(getattr(api, n), type)
            and "scope" in inspect.signature(getattr(api, n)).parameters}


@pytest.mark.parametrize("module", FRONTS)
def test_the_cli_and_the_web_say_whose_scope_every_call_has(module):
    """Every call of an API function that takes a scope passes one (the CLI `api.LOCAL`, a page the
    visitor's): a call relying on the default would see every unit."""
    scoped = _scoped_api_functions()
    for node in ast.walk(ast.parse(MODULES[module].read_text(encoding="utf-8"))):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name) and node.func.value.id == "api"
                and node.func.attr in scoped):
            continue
        import inspect

        from tracker import api

        params = list(inspect.signature(getattr(api, node.func.attr)).parameters)
        positional = params.index("scope") < len(node.args)
        assert positional or any(k.arg == "scope" for k in node.keywords), \
            f"{module}:{node.lineno}: api.{node.func.attr}(…) without scope="


def test_the_api_names_are_imported_on_first_use():
    """`from tracker import api` costs nothing until a name is used, and a load does not import the
    reports' templates, the web server or the password hasher (docs/performance.md, "Start-up")."""
    import tracker.api as package

    assert set(package._WHERE) | {"now"} == set(package.__all__)  # one list: what is exported is reachable
    probe = ("import sys; from tracker import api; api.load, api.history, api.signins;"
             "print(sorted(m for m in ('jinja2', 'starlette', 'argon2', 'tracker.reports', 'tracker.web')"
             " if m in sys.modules)); print(callable(api.history), callable(api.signins))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.split("\n")[:2] == ["[]", "True True"]  # functions, not the submodules of the same names
