"""The house's rules, read from the tree: every package says what lives in it, imports run one way only (the
blueprints on top, then the services, then the store and the cryptography), there are no import cycles, and
no module is over 400 lines. docs/architecture.md draws the same map."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

PORTAL = Path(__file__).resolve().parent.parent / "portal"
MAX_LINES = 400

# Top to bottom. A module may import from its own package and from any package on a lower line, never from a
# package on its own line or above. (The package root: the factory, config, wsgi, cli and blueprints, which
# put the whole together, may import anything, and nothing may import them but each other.)
LAYERS: list[set[str]] = [
    {"public", "staff"},       # the two blueprints, one per audience
    {"questions"},             # what a report asks: forms both blueprints use
    {"web"},                   # what every page relies on: sessions, headers, language, limits, errors, forms
    {"casework", "team"},      # working cases; the team's accounts
    {"intake"},                # taking reports and conversations
    {"workdays"},              # working days and time
    {"store"},                 # the database and what lies beside it
    {"crypto"},                # keys and the sealed envelope
]
TOOLS = {"devtools"}  # run by `make test`, imported by nothing
ROOT = {"config", "wsgi", "blueprints", "cli"}  # beside the factory: modules, and the cli package


def _rank(package: str) -> int:
    for rank, layer in enumerate(LAYERS):
        if package in layer:
            return rank
    raise AssertionError(f"portal/{package}/ is in no layer: add it to LAYERS (and docs/architecture.md)")


def _modules() -> list[Path]:
    return sorted(p for p in PORTAL.rglob("*.py") if "migrations" not in p.parts)


def _name(path: Path) -> str:
    parts = path.relative_to(PORTAL.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, top_level_only: bool = False) -> set[str]:
    """The portal modules this file imports (anywhere in it, or only at module level)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    found = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.startswith("portal")}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("portal") and node.level == 0:
            for alias in node.names:  # `from portal.x import module` imports that module; anything else, portal.x
                full = PORTAL.parent / f"{node.module}.{alias.name}".replace(".", "/")
                is_module = full.with_suffix(".py").exists() or full.is_dir()
                found.add(f"{node.module}.{alias.name}" if is_module else node.module)
    return found


def _package(module: str) -> str | None:
    """`portal.store.models` -> "store"; a root module -> None."""
    parts = module.split(".")
    return None if len(parts) == 1 or parts[1] in ROOT else parts[1]


def test_every_package_says_in_one_line_what_lives_there():
    for init in sorted(PORTAL.rglob("__init__.py")):
        if "migrations" in init.parts:
            continue
        docstring = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))
        assert docstring, f"{init.relative_to(PORTAL.parent)} has no docstring"
        assert "\n" not in docstring.strip(), f"{init.relative_to(PORTAL.parent)}: one line, please"


def test_every_package_is_in_a_layer():
    packages = {p.name for p in PORTAL.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert packages - TOOLS - ROOT == set().union(*LAYERS), "a package was added or removed: place it in LAYERS"


def test_imports_only_run_downward():
    wrong = []
    for path in _modules():
        me = _package(_name(path))
        for target in _imports(path):
            theirs = _package(target)
            if me is None:
                continue  # the package root puts everything together
            if theirs is None:
                if target != "portal":  # `from portal import create_app` only happens at the root
                    wrong.append(f"{_name(path)} imports the package root ({target})")
                continue
            if theirs in TOOLS and me not in TOOLS:
                wrong.append(f"{_name(path)} imports {target}, a make-test tool")
            if me in TOOLS or theirs in TOOLS or theirs == me:
                continue
            if _rank(theirs) <= _rank(me):
                wrong.append(f"{_name(path)} ({me}) imports {target} ({theirs}): not downward")
    assert not wrong, "\n".join(wrong)


def test_no_import_cycles_between_modules():
    graph = {_name(p): {t for t in _imports(p, top_level_only=True) if t != _name(p)} for p in _modules()}
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in graph.get(node, ()):
            if nxt not in graph:
                continue
            if state.get(nxt) == 1:
                cycle = trail[trail.index(nxt):] + [nxt] if nxt in trail else [node, nxt]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if nxt not in state:
                visit(nxt, [*trail, nxt])
        state[node] = 2

    for module in graph:
        if module not in state:
            visit(module, [module])


def test_no_module_is_over_400_lines():
    long = [f"{p.relative_to(PORTAL.parent)}: {n}" for p in PORTAL.rglob("*.py")
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES]
    assert not long, "split these: " + ", ".join(long)
