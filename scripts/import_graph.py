"""Figures of gridgov's import graph, drawn with grimp (import-linter's engine).

Prints the packages directly under ``gridgov`` (top-level modules count as packages), the
imports between them (module -> module pairs), how many of those run from a lower layer up
to a higher one by the order of the ``layers`` contract in pyproject.toml, the cycles
between packages and between the modules of one package, and the imports written under
``if TYPE_CHECKING:`` (grimp sees those too, so they hide nothing from it).

    PYTHONPATH=src python scripts/import_graph.py [--root DIR]
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
import tomllib
from collections import defaultdict
from collections.abc import Iterable, Mapping
from pathlib import Path

import grimp

PACKAGE = "gridgov"


def _top(module: str) -> str:
    """``gridgov.registry.actions`` -> ``registry``; ``gridgov`` itself -> ``""``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _layer_rank(pyproject: Path) -> dict[str, int]:
    """Package -> layer number, 0 the lowest, from the ``layers`` contract."""
    config = tomllib.loads(pyproject.read_text())
    contracts = config["tool"]["importlinter"]["contracts"]
    layers = next(contract["layers"] for contract in contracts if contract["type"] == "layers")
    rank: dict[str, int] = {}
    for number, layer in enumerate(reversed(layers)):
        for name in re.split(r"[|:]", layer):
            rank[name.strip().strip("()").strip()] = number
    return rank


def _strongly_connected(edges: Mapping[str, set[str]]) -> list[list[str]]:
    """Tarjan's components with more than one member (each one at least one cycle)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(edges.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def _sibling_cycles(graph: grimp.ImportGraph, modules: Iterable[str]) -> list[list[str]]:
    """Cycles between the children of each package below gridgov (as ``acyclic_siblings``)."""
    by_parent: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for importer in modules:
        for imported in graph.find_modules_directly_imported_by(importer):
            if not imported.startswith(PACKAGE + "."):
                continue
            a, b = importer.split("."), imported.split(".")
            shared = 0
            while shared < min(len(a), len(b)) and a[shared] == b[shared]:
                shared += 1
            if shared < len(a) and shared < len(b) and shared >= 2:  # packages: above
                parent = ".".join(a[:shared])
                by_parent[parent][a[shared]].add(b[shared])
    cycles = []
    for parent, edges in sorted(by_parent.items()):
        for component in _strongly_connected(edges):
            cycles.append([f"{parent}.{name}" for name in component])
    return cycles


def _type_checking_imports(source_root: Path) -> list[tuple[str, int]]:
    """(file, line) of every import statement inside an ``if TYPE_CHECKING:`` block."""
    found = []
    for path in sorted((source_root / PACKAGE).rglob("*.py")):
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            test = getattr(node, "test", None)
            if not isinstance(node, ast.If) or test is None:
                continue
            name = test.id if isinstance(test, ast.Name) else getattr(test, "attr", None)
            if name != "TYPE_CHECKING":
                continue
            for inner in node.body:
                if isinstance(inner, ast.Import | ast.ImportFrom):
                    found.append((str(path.relative_to(source_root)), inner.lineno))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=Path.cwd(), help="the project's folder")
    root = parser.parse_args().root.resolve()
    sys.path.insert(0, str(root / "src"))
    graph = grimp.build_graph(PACKAGE, cache_dir=None)
    modules = sorted(graph.modules)
    packages = sorted({_top(module) for module in modules} - {""})
    rank = _layer_rank(root / "pyproject.toml")

    cross: set[tuple[str, str]] = set()
    package_edges: dict[str, set[str]] = defaultdict(set)
    for importer in modules:
        for imported in graph.find_modules_directly_imported_by(importer):
            source, target = _top(importer), _top(imported)
            if source and target and source != target:
                cross.add((importer, imported))
                package_edges[source].add(target)
    upward = sorted((a, b) for a, b in cross if rank.get(_top(a), -1) < rank.get(_top(b), -1))
    unranked = [name for name in packages if name not in rank]
    layers_used = {rank[name] for name in packages if name in rank}
    hidden = _type_checking_imports(root / "src")

    print(f"packages under {PACKAGE}: {len(packages)} on {len(layers_used)} layers")
    print("  " + ", ".join(packages))
    if unranked:
        print(f"  not in the layers contract: {', '.join(unranked)}")
    print(f"cross-package imports (module -> module): {len(cross)}")
    print(f"  running up, from a lower layer to a higher one: {len(upward)}")
    for importer, imported in upward:
        print(f"    {importer} -> {imported}")
    package_cycles = _strongly_connected(package_edges)
    print(f"cycles between packages (strongly connected groups): {len(package_cycles)}")
    for component in package_cycles:
        print("    " + " <-> ".join(component))
    sibling_cycles = _sibling_cycles(graph, modules)
    print(f"cycles between the modules of one package: {len(sibling_cycles)}")
    for component in sibling_cycles:
        print("    " + " <-> ".join(component))
    files = sorted({path for path, _line in hidden})
    print(f"imports under `if TYPE_CHECKING:`: {len(hidden)} in {len(files)} modules")
    for path in files:
        print(f"    {path}")


if __name__ == "__main__":
    main()
