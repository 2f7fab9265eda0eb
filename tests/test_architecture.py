"""The layout keeps its promises: imports point app → ingest → ontology, and no module
imports another that imports it back (not even lazily, inside a function)."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("ontology", "ingest", "app")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py")}


def imports(path: Path, known: set[str]) -> set[str]:
    """Every project module that ``path`` imports, at top level or inside a function."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        for n in names:
            while n and n not in known:
                n = n.rpartition(".")[0]
            if n:
                out.add(n)
    return out


def graph() -> dict[str, set[str]]:
    mods = modules()
    known = set(mods)
    return {m: {t for t in imports(p, known) if t != m} for m, p in mods.items()}


def test_no_relative_imports():
    rel = [f"{module_name(p)}:{n.lineno}" for p in modules().values()
           for n in ast.walk(ast.parse(p.read_text("utf-8"))) if isinstance(n, ast.ImportFrom) and n.level]
    assert rel == []


def test_imports_point_one_way():
    rank = {"ontology": 0, "ingest": 1, "app": 2}
    wrong = [(m, t) for m, ts in graph().items() for t in ts
             if rank[t.split(".")[0]] > rank[m.split(".")[0]]]
    assert wrong == []


def test_no_import_cycles():
    g = graph()
    def edges(m):
        return g[m]
    seen, stack, cycles = set(), [], []

    def visit(m):
        if m in stack:
            cycles.append(stack[stack.index(m):] + [m])
            return
        if m in seen:
            return
        seen.add(m)
        stack.append(m)
        for t in sorted(edges(m)):
            visit(t)
        stack.pop()

    for m in sorted(g):
        visit(m)
    assert cycles == []


def test_every_subpackage_says_what_it_owns():
    for m, p in modules().items():
        if p.name == "__init__.py" and m.count(".") == 1 and not m.startswith("app.ui"):
            doc = ast.get_docstring(ast.parse(p.read_text("utf-8")))
            assert doc and len(doc) > 80, m


def test_the_architecture_doc_names_every_module():
    """docs/ARCHITECTURE.md lists each module under its package's heading (`ingest/graph/` …);
    the UI's one-file-per-page views are named as a group."""
    import re

    doc = (ROOT / "docs" / "ARCHITECTURE.md").read_text("utf-8")
    parts = re.split(r"^`([\w/]+/)` — ", doc, flags=re.M)      # `ingest/graph/` — what it owns …
    sections = dict(zip(parts[1::2], parts[2::2]))
    missing = []
    for m, p in modules().items():
        folder = p.parent.relative_to(ROOT).as_posix() + "/"
        if p.name == "__init__.py" or folder == "app/ui/views/":
            continue
        owner = next((f for f in sorted(sections, key=len, reverse=True) if folder.startswith(f)), None)
        if owner is None or p.name not in sections[owner]:
            missing.append(p.relative_to(ROOT).as_posix())
    assert not missing, f"add these to docs/ARCHITECTURE.md, one line each: {missing}"
