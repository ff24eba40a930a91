"""One message catalogue for Python and the browser: complete, used, and translatable in one place."""

import gettext
import re
from pathlib import Path

import pytest

from backprop import messages
from backprop.graph.book import apple_graph, sigmoid_graph
from backprop.graph.expression import ExpressionError, expression_graph
from backprop.widgets.bundle import FRONT, bundle, engine_source, playground_bundle

PACKAGE = Path(messages.__file__).parent
# A key as a source writes it: dotted words, where a blank ({name} in Python, ${name} in
# JavaScript) may stand for part of it.
KEY_SHAPE = re.compile(r"^[a-z_*]+(?:\.[a-z_0-9*]+)+$")
LITERAL = {"python": re.compile(r"""f?"([^"\n]*)"|f?'([^'\n]*)'"""),
           "browser": re.compile(r""""([^"\n]*)"|`([^`\n]*)`""")}


def key_patterns(reader: str) -> set[str]:
    """Every string literal in ``reader``'s sources that has the shape of a message key,
    its blanks written as ``*`` ("op.{name}.rule" -> "op.*.rule")."""
    files = FRONT.glob("*.js") if reader == "browser" else PACKAGE.rglob("*.py")
    namespaces = {key.split(".")[0] for key in messages.english()}
    found = set()
    for path in files:
        for match in LITERAL[reader].finditer(path.read_text(encoding="utf-8")):
            literal = re.sub(r"\$?\{[^}]*\}", "*", match.group(1) or match.group(2) or "")
            first, last = literal.split(".")[0], literal.split(".")[-1]
            if KEY_SHAPE.match(literal) and first.replace("*", "") in namespaces | {""} \
                    and last not in ("js", "css", "json", "py"):   # file names are not keys
                found.add(literal)
    return found


def matches(key: str, patterns: set[str]) -> bool:
    return any(re.fullmatch(re.escape(p).replace(r"\*", r"[\w.]+"), key) for p in patterns)


@pytest.mark.parametrize("reader, groups", [("python", (messages.BOTH, messages.PYTHON)),
                                            ("browser", (messages.BOTH, messages.BROWSER))])
def test_every_key_a_source_names_is_in_its_catalogue(reader, groups):
    available = messages.english(*groups)
    named = {p for p in key_patterns(reader) if "*" not in p}
    assert named, f"no message key found in the {reader} sources: the scan is broken"
    missing = sorted(k for k in named if k not in available)
    assert not missing, f"the {reader} sources name messages its catalogue lacks: {missing}"


def test_every_message_is_used_by_its_readers():
    readers = {"Python": key_patterns("python"), "the browser": key_patterns("browser")}
    for group, names in ((messages.BOTH, ["Python", "the browser"]), (messages.PYTHON, ["Python"]),
                         (messages.BROWSER, ["the browser"])):
        for key in messages.english(group):
            unused = [name for name in names if not matches(key, readers[name])]
            assert not unused, f"message {key!r} (group {group!r}) is not used by {' or '.join(unused)}"


def test_the_browser_gets_its_groups_and_no_python_only_words():
    engine = engine_source()
    for key, template in messages.english(messages.BOTH, messages.BROWSER).items():
        assert f'"{key}": ' in engine
    assert "Cannot show" not in bundle() and "Cannot show" not in playground_bundle()
    assert '"playground.run": ' in playground_bundle()


def test_fill_and_lists():
    assert messages.fill("{a} and {b}", {"a": 1, "b": "x{y}"}) == "1 and x{y}"
    with pytest.raises(KeyError, match="needs 'value'"):
        messages.text("step.seed")
    with pytest.raises(KeyError, match="no message 'no.such'"):
        messages.text("no.such")
    assert messages.join_and(["a"]) == "a"
    assert messages.join_and(["a", "b"]) == "a and b"
    assert messages.join_and(["a", "b", "c"]) == "a, b and c"


class Marked(gettext.NullTranslations):
    """A stand-in catalogue: every template comes back marked with its key."""

    def pgettext(self, context, message):
        return f"[{context}] {message}"


@pytest.fixture
def marked():
    messages.install(Marked())
    yield
    messages.install(None)


def test_a_catalogue_installed_once_reaches_every_caller(marked):
    """Captions, error messages, titles and the browser's bundle change without any call site changing."""
    steps = apple_graph().steps()
    assert steps[0].caption.startswith("[step.inputs] Forward pass: the inputs enter the graph (")
    assert "[value.named] apple = 100" in steps[0].caption
    assert [s for s in steps if s.kind == "backward"][-1].caption.startswith("[step.backward] The × node multiplies")
    assert steps[-1].caption.startswith("[step.input] The input tax receives 200 along its edge")
    assert apple_graph().title == "[graph.apple.title] Buying apples"
    assert [s for s in sigmoid_graph().steps() if s.kind == "backward"][-1].local_text == \
        ("[op.mul.rule] × the other input",) * 2
    with pytest.raises(ExpressionError, match=r"^\[expression.power\] 'x \*\* 3': only the powers"):
        expression_graph("x ** 3", x=1.0)
    assert '"flow.play": "[flow.play] ▶ Play"' in bundle()
    assert '"playground.run": "[playground.run] ▶ Run"' in playground_bundle()


def test_english_comes_back_when_the_catalogue_is_removed(marked):
    messages.install(None)
    assert apple_graph().steps()[0].caption.startswith("Forward pass: the inputs enter the graph (")
    assert '"flow.play": "▶ Play"' in bundle()
    with pytest.raises(TypeError, match="gettext catalogue"):
        messages.install(42)
    with pytest.raises(ValueError, match="BACKPROP_LANG='xx': there are no messages in that language"):
        messages.install("xx")
