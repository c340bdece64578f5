"""The apps form floors: a module imports only from its own floor and those below, so no cycle can form.

Floors, lowest first: rag_app's shared modules (errors, env, markdown, vectorstore, tasks...), accounts,
providers, index, documents, notes, qa, evals, openai_api. The project's own wiring (settings, urls, the
home view, celery, wsgi) is the roof and may import anything. Imports inside functions count too: a
deferred upward import is still an upward import.
"""

import ast
from pathlib import Path

from tests.processes import ROOT

FLOORS = [
    "rag_app",
    "rag_app.accounts",
    "rag_app.providers",
    "rag_app.index",
    "documents",
    "notes",
    "rag_app.qa",
    "rag_app.evals",
    "rag_app.openai_api",
]
ROOF = {"rag_app.settings", "rag_app.urls", "rag_app.views", "rag_app.celery", "rag_app.wsgi", "rag_app.asgi"}
SDKS = {"openai", "langchain_openai", "ollama", "torch", "transformers", "sentence_transformers"}


def floor_of(module: str) -> int | None:
    """The floor a module belongs to (the longest matching package), None for third-party modules."""
    matches = [i for i, package in enumerate(FLOORS) if module == package or module.startswith(package + ".")]
    return max(matches, key=lambda i: len(FLOORS[i])) if matches else None


def modules() -> dict[str, Path]:
    found = {}
    for top in ("rag_app", "documents", "notes"):
        for path in (ROOT / top).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
            found[name] = path
    return found


def imports(path: Path) -> set[str]:
    """Every module imported anywhere in the file (absolute imports; the project uses no relative ones)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            assert node.level == 0, f"{path}: relative import"
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)  # `from rag_app import index`
    return names


def test_floor_of_knows_the_layout():
    assert floor_of("rag_app.errors") == 0
    assert floor_of("rag_app.accounts.tokens") == 1
    assert floor_of("rag_app.providers.registry") == 2
    assert floor_of("rag_app.index.service") == 3
    assert floor_of("documents.ingest") == 4
    assert floor_of("rag_app.qa.pipeline") == 6
    assert floor_of("rag_app.evals.bench.cli") == 7
    assert floor_of("rag_app.openai_api.views") == 8
    assert floor_of("django.db") is None


def test_no_module_imports_from_a_floor_above_its_own():
    upward = []
    for name, path in modules().items():
        if name in ROOF:
            continue
        own = floor_of(name)
        assert own is not None, name
        for imported in imports(path):
            target = floor_of(imported)
            if target is not None and target > own and imported not in ROOF:
                upward.append(f"{name} ({FLOORS[own]}) imports {imported} ({FLOORS[target]})")
    assert not upward, "upward imports:\n" + "\n".join(sorted(upward))


def test_nothing_below_the_roof_imports_the_roof():
    offenders = [
        f"{name} imports {imported}"
        for name, path in modules().items()
        if name not in ROOF
        for imported in imports(path)
        if imported in ROOF - {"rag_app.celery"}  # the Celery app may be named by tasks' tooling
    ]
    assert not offenders, offenders


def test_model_sdks_are_imported_by_the_provider_layer_only():
    offenders = [
        f"{name} imports {imported}"
        for name, path in modules().items()
        if floor_of(name) != FLOORS.index("rag_app.providers")
        for imported in imports(path)
        if imported.split(".")[0] in SDKS
    ]
    assert not offenders, offenders


def test_chromadb_is_imported_by_the_vector_store_only():
    offenders = [
        name
        for name, path in modules().items()
        if name != "rag_app.vectorstore" and any(i.split(".")[0] == "chromadb" for i in imports(path))
    ]
    assert not offenders, offenders
