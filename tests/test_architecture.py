"""The shape of the house: imports point one way (bot -> commands -> storage), never in a circle."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("bot", "commands", "storage")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def project_modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" not in path.parts:
                found[module_name(path)] = path
    return found


def imports_of(path: Path, name: str, known: set[str]) -> set[str]:
    """Every project module this one imports, at the top or inside a function (TYPE_CHECKING blocks aside)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped.update(id(child) for inner in node.body for child in ast.walk(inner))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    targets: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(
                    package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else [])
                )
            targets.add(base)
            targets.update(f"{base}.{alias.name}" for alias in node.names)
    return {t for t in targets if t in known and t != name}


def import_graph() -> dict[str, set[str]]:
    modules = project_modules()
    known = set(modules)
    return {name: imports_of(path, name, known) for name, path in modules.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                return [*stack[stack.index(target) :], target]
            if target not in state and (cycle := visit(target)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_no_module_imports_one_that_imports_it_back() -> None:
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_layers_point_down() -> None:
    """storage imports neither commands nor bot; commands never imports bot (nor Slack)."""
    graph = import_graph()
    for name, targets in graph.items():
        if name.startswith("storage"):
            assert not {t for t in targets if t.startswith(("commands", "bot"))}, name
        if name.startswith("commands"):
            assert not {t for t in targets if t.startswith("bot")}, name
    for path in (ROOT / "commands").rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        assert "slack_bolt" not in source and "slack_sdk" not in source, path


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


# --- commands/ speaks the officer's language, not Slack's ------------------------------------------------------

#: Slack's markup in a string: an emoji code, a mention or special mention, a channel, a link, a backtick code
#: span, single-asterisk bold, underscore italics, a quote at the start of a line.
SLACK_MARKUP = {
    "emoji code": re.compile(r"(?<![\w:`]):[a-z][a-z0-9_+-]*:(?![\w`])"),
    "mention or link": re.compile(r"<@(?:[UW]|$|\()|<#(?:C|$)|<![a-z]|<https?:|<mailto:"),
    "code span": re.compile(r"`"),
    "bold": re.compile(r"(?<![\w*])\*[^*\s][^*\n]*(?<=[^*\s])\*(?![\w*])|(?<![\w*])\*[^*\s]\*(?![\w*])"),
    "italics": re.compile(r"(?<![\w_])_[^_\s][^_\n]*(?<=[^_\s])_(?![\w_])"),
    "strike": re.compile(r"(?<![\w~])~[^~\s]|(?<=[^~\s])~(?![\w~])"),
    "quote": re.compile(r"\A>|\n>"),
}


def shown_strings(path: Path) -> list[tuple[int, str, bool]]:
    """Every string constant in a module except docstrings, and whether it is a regular expression (``re.*(...)``).
    An f-string's literal pieces are checked too, but a piece does not start a line (``f"<@{who}>"`` is no quote)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    pieces = {id(value) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr) for value in node.values}
    patterns = {  # every piece of a pattern: a literal, an f-string's pieces, strings joined by "+"
        id(piece)
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and ast.unparse(node.func).startswith("re.")
        for arg in node.args
        for piece in ast.walk(arg)
    }
    return sorted(
        (node.lineno, " " + node.value if id(node) in pieces else node.value, id(node) in patterns)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
    )


def markup_in(path: Path, root: Path = ROOT) -> list[str]:
    found = []
    for line, text, is_pattern in shown_strings(path):
        for what, pattern in SLACK_MARKUP.items():
            if is_pattern and what != "mention or link":  # a pattern's "*" is no emphasis; Slack's mentions are
                continue  # read in bot/ (commands/ never parses Slack's syntax)
            if pattern.search(text):
                found.append(f"{path.relative_to(root)}:{line}: {what} in {text[:60]!r}")
    return found


def test_commands_write_no_slack_markup() -> None:
    """Replies carry meaning (Icon, Mention, Strong, Typed, Quote...); bot/views.py decides how Slack shows it."""
    found = [hit for path in sorted((ROOT / "commands").rglob("*.py")) for hit in markup_in(path)]
    assert found == []


def test_the_markup_finder_finds_markup(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        '"""Docstrings may say `this` and :func:`that`."""\n'
        'A = ":warning: careful"\n'
        'B = f"by <@{who}>"\n'
        'C = "type `/ipslo help`"\n'
        'D = "*Overdue* since"\n'
        'E = "a * b, 2*3, **kwargs, snake_case_name, 10:30:00, x > 3"\n'
        'F = "_outside our area_ ~gone~"\n'
        'G = ">quoted"\n'
        'H = re.compile(r"^(?:is|are)\\b.*\\b(?:under)\\b.*$")\n'
        'I = re.compile(r"<@([UW][A-Z0-9]+)>")\n'
        'J = re.compile(rf"(?<![\\w{X}])(?=[\\s:]*(.*))")\n',
        encoding="utf-8",
    )
    found = [hit.split(": ", 1)[1] for hit in markup_in(sample, root=tmp_path)]
    kinds = [hit.split(" in ")[0] for hit in found]
    assert kinds == [
        "emoji code",
        "mention or link",
        "code span",
        "bold",
        "italics",
        "strike",
        "quote",
        "mention or link",
    ]
