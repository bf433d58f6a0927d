"""Structure the architecture relies on: features do not import each other in a cycle, and no
module rebinds another object's methods or swaps its collaborators (cross-cutting behaviour is
middleware, events or explicit registration instead)."""

from __future__ import annotations

import ast
from pathlib import Path

from arenabot.arena import ArenaService

ROOT = Path(__file__).resolve().parents[2]
FEATURES = ROOT / "arenabot" / "features"


# ----- features: no cycles -----------------------------------------------------------------------


def _runtime_imports(path: Path) -> set[str]:
    """Modules imported at run time (imports under `if TYPE_CHECKING:` are only for annotations)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped |= {id(n) for child in node.body for n in ast.walk(child)}
    found = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
    return found


def feature_graph() -> dict[str, set[str]]:
    packages = sorted(p.name for p in FEATURES.iterdir() if (p / "__init__.py").exists())
    graph: dict[str, set[str]] = {}
    for package in packages:
        uses = set()
        for path in (FEATURES / package).rglob("*.py"):
            for module in _runtime_imports(path):
                parts = module.split(".")
                if parts[:2] == ["arenabot", "features"] and len(parts) > 2 and parts[2] in packages and parts[2] != package:
                    uses.add(parts[2])
        graph[package] = uses
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, str] = {}

    def visit(node: str, trail: list[str]) -> list[str] | None:
        state[node] = "open"
        for other in sorted(graph.get(node, ())):
            if state.get(other) == "open":
                return trail + [node, other]
            if other not in state and (cycle := visit(other, trail + [node])):
                return cycle
        state[node] = "done"
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node, [])):
            return cycle
    return None


def test_the_cycle_finder_finds_a_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) is not None
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_features_are_packages_without_import_cycles():
    graph = feature_graph()
    assert {"battles", "voting", "boards", "moderation"} <= set(graph)
    assert find_cycle(graph) is None, graph
    # Battles are the base the others build on; they use none of them.
    assert graph["battles"] == set()


def test_no_feature_imports_an_adapter_or_a_platform_sdk():
    for path in FEATURES.rglob("*.py"):
        for module in _runtime_imports(path):
            assert module.split(".")[0] not in {"discord", "slack_bolt", "slack_sdk"}, (path, module)
            assert not module.startswith("arenabot.adapters"), (path, module)


# ----- no monkey-patching -----------------------------------------------------------------------


def _service_names() -> set[str]:
    """Every attribute and method name of the composed service (class and instance)."""
    names = {n for n in dir(ArenaService) if not n.startswith("__")}
    tree = ast.parse((ROOT / "arenabot" / "arena.py").read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "self":
            names.add(node.attr)
    return names


def patches(source: str, service_names: set[str]) -> list[str]:
    """Assignments that rebind behaviour on another object: `x.attr = <a function or lambda>`,
    `x.attr = wrap(x.attr, ...)`, any `x.<name the service has> = ...` (x not self/cls), and setattr()."""
    found = []
    tree = ast.parse(source)
    local_functions = {n.name for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "setattr":
            found.append(f"line {node.lineno}: {ast.unparse(node)}")
        if not isinstance(node, (ast.Assign, ast.AnnAssign)):
            continue
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        for target in targets:
            if not isinstance(target, ast.Attribute):
                continue
            if isinstance(target.value, ast.Name) and target.value.id in ("self", "cls"):
                continue
            value = node.value
            assert value is not None
            rebinds = isinstance(value, ast.Lambda) or (isinstance(value, ast.Name) and value.id in local_functions)
            wraps = isinstance(value, ast.Call) and any(ast.unparse(a) == ast.unparse(target) for a in value.args)
            if rebinds or wraps or target.attr in service_names:
                found.append(f"line {node.lineno}: {ast.unparse(target)} = {ast.unparse(value)[:60]}")
    return found


def test_the_patch_scanner_catches_the_old_patterns():
    names = _service_names()
    old = """
def install(self, service):
    async def leased_sweep(platform):
        return await sweep(platform)
    service.sweep = leased_sweep
    service.start_battle = self._guard(service.start_battle, refusal)

def instrument(service, metrics):
    store = ObservedStore(service.store, metrics)
    service.store = store
    service.hub = ObservedHub(service.hub, metrics)
    service.readiness = Readiness()
    setattr(service, "vote", lambda *a: None)
"""
    assert len(patches(old, names)) == 6
    fine = "def f(self, x):\n    self.sweep = x\n    result.text = 'done'\n    intents.guilds = True\n"
    assert patches(fine, names) == []


def test_no_module_outside_tests_patches_another_objects_methods():
    names = _service_names()
    offenders = {}
    for folder in ("arenabot", "adapters"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            found = patches(path.read_text(encoding="utf-8"), names)
            if found:
                offenders[str(path.relative_to(ROOT))] = found
    assert offenders == {}
