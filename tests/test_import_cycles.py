"""No two modules of ``bot/`` depend on each other, directly or through others.

Every ``import`` counts: at module level, inside a function and under ``TYPE_CHECKING``. An
import moved into a function or behind ``TYPE_CHECKING`` hides a cycle from the interpreter, not
from the reader: each module still needs the other to be understood, and moving the import back
to the top would break start-up. Only imports of ``bot`` modules are followed, and an import of
``bot.a.b`` is an edge to ``bot.a.b`` alone: the packages' ``__init__`` files hold docstrings.
"""

from __future__ import annotations

import ast
from pathlib import Path

from bot.settings import PROJECT_ROOT

PACKAGE = PROJECT_ROOT / "bot"


def module_name(path: Path, root: Path = PROJECT_ROOT) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path, modules: set[str], root: Path = PROJECT_ROOT) -> set[str]:
    """The ``bot`` modules a file imports, wherever the import statement stands."""
    here = module_name(path, root)
    package = here if path.name == "__init__.py" else here.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}" if base else anchor
            for alias in node.names:
                # "from bot.gateway import messages" imports a module; "from x import name" not.
                child = f"{base}.{alias.name}"
                found.add(child if child in modules else base)
    return {name for name in found if name in modules and name != here}


def import_graph(root: Path = PACKAGE) -> dict[str, set[str]]:
    files = {module_name(path): path for path in root.rglob("*.py")}
    return {name: imported_modules(path, set(files)) for name, path in files.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle as the list of its modules (the first repeated at the end), or None."""
    done: set[str] = set()

    def visit(name: str, path: list[str]) -> list[str] | None:
        if name in path:
            return path[path.index(name) :] + [name]
        if name in done:
            return None
        for target in sorted(graph[name]):
            cycle = visit(target, [*path, name])
            if cycle:
                return cycle
        done.add(name)
        return None

    for start in sorted(graph):
        cycle = visit(start, [])
        if cycle:
            return cycle
    return None


def test_bot_has_no_import_cycle() -> None:
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_a_cycle_is_found_and_named() -> None:
    graph = {"bot.a": {"bot.b"}, "bot.b": {"bot.c"}, "bot.c": {"bot.a"}, "bot.d": {"bot.a"}}
    assert find_cycle(graph) == ["bot.a", "bot.b", "bot.c", "bot.a"]
    assert find_cycle({"bot.a": {"bot.b"}, "bot.b": set()}) is None


def test_imports_in_functions_and_type_checking_blocks_count(tmp_path: Path) -> None:
    package = tmp_path / "bot" / "sub"
    package.mkdir(parents=True)
    (package / "one.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from bot.sub.two import X\n"
    )
    (package / "two.py").write_text("def f():\n    from . import one\n")
    modules = {"bot", "bot.sub", "bot.sub.one", "bot.sub.two"}
    assert imported_modules(package / "one.py", modules, tmp_path) == {"bot.sub.two"}
    assert imported_modules(package / "two.py", modules, tmp_path) == {"bot.sub.one"}
