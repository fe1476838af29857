"""The package's layout rules (docs/architecture.md), read from the source with ``ast``.

Each module of ``gan_lessons`` belongs to a layer and imports only from layers below it (or from
inside its own sub-package); modules stay short enough to read in one sitting; one place writes files
atomically; a random-number generator is never called ``generator`` (in a GAN course that is G).
"""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "gan_lessons"

# Bottom to top, as drawn in docs/architecture.md. A name is a top-level module or sub-package.
LAYERS = [
    {"__init__", "_validate", "_atomic", "_interrupt", "fonts"},
    {"i18n"},
    {"theory", "losses", "data", "models", "checkpoint", "course"},
    {"games", "divergences"},
    {"training", "progress"},
    {"recipes", "metrics"},
    {"runs"},
    {"batched"},  # many toy runs trained at once, as one batched model
    {"dynamics", "critics"},
    {"plotting"},
    {"widgets"},
    {"exercises", "doctor", "classroom"},
    {"translation", "listings"},
    {"authoring", "gettext_files"},
    {"cli_runs"},  # the train and sample commands, which cli parses for and reports on
    {"cli"},
    {"__main__"},
]
LAYER = {name: i for i, names in enumerate(LAYERS) for name in names}


def _modules():
    return {
        ".".join(p.relative_to(PACKAGE.parent).with_suffix("").parts): ast.parse(p.read_text(), str(p))
        for p in sorted(PACKAGE.rglob("*.py"))
    }


MODULES = _modules()


def _resolve(module, node):
    """The gan_lessons modules an import statement in ``module`` names (absolute names)."""
    if isinstance(node, ast.Import):
        return [a.name for a in node.names if a.name.startswith("gan_lessons")]
    package = module.split(".")[:-1]  # the package the module (or __init__) sits in
    if node.level:
        base = package[: len(package) - (node.level - 1)]
        target = ".".join(base + ([node.module] if node.module else []))
    elif node.module and node.module.startswith("gan_lessons"):
        target = node.module
    else:
        return []
    names = [f"{target}.{a.name}" for a in node.names]
    return [n for n in names if n in MODULES or f"{n}.__init__" in MODULES] or [target]


def _imports(module):
    out = set()
    for node in ast.walk(MODULES[module]):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            for name in _resolve(module, node):
                out.add(name if name in MODULES else f"{name}.__init__" if f"{name}.__init__" in MODULES else name)
    return out


def _component(module):
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def test_every_module_has_a_layer():
    assert {_component(m) for m in MODULES} <= set(LAYER), set(map(_component, MODULES)) - set(LAYER)


def test_imports_only_go_down():
    upward = []
    for module in MODULES:
        for target in _imports(module):
            a, b = _component(module), _component(target)
            if a != b and b in LAYER and LAYER[b] >= LAYER[a]:
                upward.append(f"{module} imports {target}")
    assert upward == []


def test_no_import_cycles():
    graph = {m: {t for t in _imports(m) if t in MODULES and t != m} for m in MODULES}
    state, cycles = {}, []

    def visit(m, path):
        state[m] = "open"
        for t in sorted(graph[m]):
            if state.get(t) == "open":
                cycles.append(path[path.index(t) :] + [t])
            elif t not in state:
                visit(t, path + [t])
        state[m] = "done"

    for m in sorted(graph):
        if m not in state:
            visit(m, [m])
    assert cycles == []


def test_modules_and_functions_are_short():
    long_modules = [(m, n) for m, p in _paths().items() if (n := len(p.read_text().splitlines())) > 450]
    assert long_modules == []
    long_functions = [
        f"{m}.{node.name}: {node.end_lineno - node.lineno + 1} lines"
        for m, tree in MODULES.items()
        for node in ast.walk(tree)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.end_lineno - node.lineno + 1 > 80
    ]
    assert long_functions == []


def _paths():
    return {".".join(p.relative_to(PACKAGE.parent).with_suffix("").parts): p for p in PACKAGE.rglob("*.py")}


def test_train_takes_at_most_twelve_parameters():
    from gan_lessons.training import train

    code = train.__code__
    assert code.co_argcount + code.co_kwonlyargcount <= 12


def _calls(attr_owner, attr):
    return [
        (m, node.lineno)
        for m, tree in MODULES.items()
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == attr
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == attr_owner
    ]


def test_one_place_replaces_files_atomically():
    assert [m for m, _ in _calls("os", "replace")] == ["gan_lessons._atomic"]


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_parameter_attribute_or_key_called_generator(module):
    bad = []
    for node in ast.walk(MODULES[module]):
        if isinstance(node, ast.arg) and node.arg == "generator":
            bad.append(f"parameter at line {node.lineno}")
        elif isinstance(node, ast.Attribute) and node.attr == "generator" and isinstance(node.ctx, ast.Store):
            bad.append(f"attribute at line {node.lineno}")
        elif isinstance(node, ast.Constant) and node.value == "generator":
            bad.append(f"key or string at line {node.lineno}")
        elif isinstance(node, ast.AnnAssign) and getattr(node.target, "id", None) == "generator":
            bad.append(f"field at line {node.lineno}")
    assert bad == [], f"{module}: call a random-number generator rng; 'generator' means G"


def test_no_lesson_numbers_in_names():
    bad = [
        f"{m}: {name}"
        for m, tree in MODULES.items()
        for node in ast.walk(tree)
        for name in _defined_names(node)
        if any(f"lesson{i}" in name.lower() or f"_l{i}_" in f"_{name.lower()}_" for i in range(1, 10))
    ]
    assert [b for b in bad if not b.startswith("gan_lessons.exercises")] == []  # exercises are named per lesson


def _defined_names(node):
    if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
        yield node.name
    elif isinstance(node, ast.Assign):
        yield from (t.id for t in node.targets if isinstance(t, ast.Name))
