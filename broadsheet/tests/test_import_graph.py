"""The house rules of docs/architecture.md, checked on the source: imports point one way
(no module imports one that imports it back, at module level or inside a function),
and no app reaches into another app's private names.

Read with the standard library's `ast`, so a rule broken in a branch that no test runs
is still caught. Tests, migrations and management commands are leaves (nothing imports
them) and are left out of the cycle search; they still may not import private names
across apps."""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1]
ROOT = PACKAGE.parent


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _sources() -> dict[str, Path]:
    return {_module_name(path): path for path in PACKAGE.rglob("*.py")}


def _is_leaf(module: str) -> bool:
    parts = module.split(".")
    return "tests" in parts or "migrations" in parts or "commands" in parts


def _imports(module: str, path: Path, known: set[str]) -> list[tuple[str, str, int]]:
    """(imported module, imported name or "", line) for each import in the file."""
    tree = ast.parse(path.read_text(), filename=str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []
    modules_as = {}  # a local name bound to a module: its private attributes count too
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, "", node.lineno) for alias in node.names]
            modules_as.update({alias.asname: alias.name for alias in node.names if alias.asname})
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join(anchor + ([base] if base else []))
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                if submodule in known:  # `from package import module`
                    found.append((submodule, "", node.lineno))
                    modules_as[alias.asname or alias.name] = submodule
                else:
                    found.append((base, alias.name, node.lineno))
    for node in ast.walk(tree):  # `services._private(...)` after `import ... as services`
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in modules_as
            and node.attr.startswith("_")
        ):
            found.append((modules_as[node.value.id], node.attr, node.lineno))
    return [(target, name, line) for target, name, line in found if target in known]


def _graph():
    sources = _sources()
    known = set(sources)
    return sources, {module: _imports(module, path, known) for module, path in sources.items()}


def _app(module: str) -> str:
    parts = module.split(".")
    return ".".join(parts[:2]) if len(parts) > 2 else module


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index, low, on_stack, stack, found = {}, {}, set(), [], []
    counter = 0
    for start in edges:
        if start in index:
            continue
        work = [(start, iter(sorted(edges[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
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
    return found


def test_no_module_imports_one_that_imports_it_back():
    _, imports = _graph()
    edges = {
        module: {target for target, _, _ in found if not _is_leaf(target) and target != module}
        for module, found in imports.items()
        if not _is_leaf(module)
    }
    # A package's __init__ importing its own submodules is not a cycle of ours.
    for module in edges:
        edges[module] = {t for t in edges[module] if not module.startswith(t + ".")}
    assert _cycles(edges) == []


def test_no_app_imports_another_apps_private_names():
    _, imports = _graph()
    crossings = [
        f"{module} imports {target}.{name} (line {line})"
        for module, found in imports.items()
        for target, name, line in found
        if _app(target) != _app(module)
        and (name.startswith("_") or any(p.startswith("_") for p in target.split(".")))
        and not name.startswith("__")
        and not target.endswith("__init__")
    ]
    assert crossings == []


def test_no_app_imports_another_apps_views():
    _, imports = _graph()
    crossings = [
        f"{module} imports {target} (line {line})"
        for module, found in imports.items()
        for target, _, line in found
        if target.rpartition(".")[2] == "views"
        and _app(target) != _app(module)
        and _app(module) != "broadsheet.urls"
        and not _is_leaf(module)
    ]
    assert crossings == []


def test_the_checker_finds_a_cycle_and_a_private_import():
    """The rules above pass on an empty list; this shows the search can fail."""
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []
