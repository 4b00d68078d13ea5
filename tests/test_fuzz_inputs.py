"""Generated .po and YAML files: only located problems ever come out, never an exception.

``HANDOUTS_FUZZ_EXAMPLES=1000 pytest tests/test_fuzz_inputs.py`` runs a longer search.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from handouts.errors import HandoutsError, Problem, Severity
from handouts.project.content import Document, load_document
from handouts.project.load import load_project
from handouts.project.pofile import read_catalog
from handouts.project.sourcefile import SourceFile, format_loc, read_yaml
from handouts.variants.i18n import translatable, translate, update_catalog

from .fuzz import fuzz
from .variant_project import make_project

FUZZ = fuzz(200)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_project(tmp_path_factory.mktemp("fuzz") / "p")


@cache
def _document(root: Path) -> Document:
    [document] = load_project(root, ("hand-self-massage",)).documents
    return document


# ----------------------------------------------------------------- .po files

#: Text a translator (or an attacker) might type, including what breaks formats.
_WORDS = st.sampled_from([
    "Masaje", "<script>alert(1)</script>", "[x](javascript:alert(1))", "{{ 7*7 }}", "{% if %}",
    "%(name)s", "{name}", "100%", "**", "*", "[", "](", "\\", '\\"', "\\n", "\\t", "\\q", "\\",
    "é", "\u202e", "\x07", "\x00", "\ufeff", "3", "10", "https://evil.example", "#", "msgstr",
])
_TEXT = st.one_of(st.text(max_size=40),
                  st.lists(_WORDS, max_size=8).map(" ".join),
                  st.text(alphabet="ab ", min_size=1000, max_size=1500))


def _quoted(text: str) -> st.SearchStrategy[str]:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return st.sampled_from([
        f'"{escaped}"',       # correct
        f'"{text}"',          # unescaped quotes and backslashes
        escaped,              # no quotes at all
        f'"{escaped}',        # unterminated
        f'"{escaped}" tail',  # text after the string
        "",                   # keyword without text
    ])


@st.composite
def _header(draw: st.DrawFn) -> str:
    fields = {
        "Content-Type": draw(st.sampled_from([
            "text/plain; charset=utf-8", "text/plain; charset=UTF-8", "text/plain; charset=latin-1",
            "text/plain; charset=klingon", "text/plain; charset=", "text/plain; charset=utf-16",
            "text/plain; charset=CHARSET", "garbage"])),
        "Plural-Forms": draw(st.sampled_from([
            "nplurals=2; plural=(n != 1);", "nplurals=x; plural=(n != 1);", "nplurals=2;",
            "nplurals=2; plural=(n !!= 1);", "nplurals=-1; plural=0;", "", "plural=n"])),
        "Language": draw(st.sampled_from(["es", "xx-notalang", "", "es_ES", "???"])),
        "POT-Creation-Date": draw(st.sampled_from([
            "2026-02-28 12:00+0000", "yesterday", "", "2026-02-30 12:00+0000", "2026-02-28"])),
        "PO-Revision-Date": draw(st.sampled_from(["YEAR-MO-DA HO:MI+ZONE", "soon", ""])),
    }
    lines = [f'"{name}: {value}\\n"' for name, value in fields.items()
             if draw(st.booleans())]
    if not draw(st.booleans()):
        return ""  # no header at all
    return 'msgid ""\nmsgstr ""\n' + "\n".join(lines) + "\n\n"


@st.composite
def po_files(draw: st.DrawFn, texts: list[tuple[str, str]]) -> bytes:
    """A .po file for ``texts`` (field, English), with random damage here and there."""
    parts = [draw(_header())]
    for field, text in texts:
        msgstr = draw(st.one_of(st.just("ES " + text), _TEXT))
        entry = [draw(st.sampled_from(["", "#, fuzzy\n", "# comment\n", "#~ msgid \"old\"\n",
                                       "#| msgid \"old\"\n"]))]
        if draw(st.integers(0, 9)):
            entry.append(f'msgctxt "{field}"\n')
        entry.append(f"msgid {draw(_quoted(text)) if draw(st.integers(0, 5)) else _q(text)}\n")
        if draw(st.integers(0, 12)):
            entry.append(f"msgstr {draw(_quoted(msgstr))}\n")
        if not draw(st.integers(0, 15)):
            entry.append(draw(st.sampled_from(['"more"\n', "msgid_plural \"x\"\n",
                                               'msgstr[1] "y"\n', "garbage line\n"])))
        parts.append("".join(entry) + "\n")
        if not draw(st.integers(0, 20)):
            parts.append(parts[-1])  # a duplicate entry
    text = "".join(parts)
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "latin-1"]))
    data = text.encode(encoding, "replace")
    if draw(st.booleans()):
        data = data.replace(b"\n", b"\r\n")
    if not draw(st.integers(0, 10)):
        cut = draw(st.integers(0, len(data)))
        data = data[:cut] + draw(st.binary(max_size=8)) + data[cut:]
    return data


def _q(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


@pytest.mark.slow
@FUZZ
@given(data=st.data())
def test_any_po_file_gives_a_translation_or_located_problems(project: Path,
                                                             data: st.DataObject) -> None:
    document = _document(project)
    po = project / "content/hand-self-massage.es.po"
    texts = [(format_loc(loc), text) for loc, text in translatable(document.handout)]
    raw = data.draw(po_files(texts))
    po.write_bytes(raw)
    catalog, found = read_catalog(po, "content/hand-self-massage.es.po", "es")
    assert (catalog is None) == bool(found)
    assert all(isinstance(p, Problem) for p in found)
    result = translate(document.handout, po, "content/hand-self-massage.es.po", "es")
    # A translated handout exactly when the file has no error (never half in English).
    errors = [p for p in result.problems if p.severity is Severity.ERROR]
    assert (result.handout is None) == bool(errors)
    for problem in result.problems:
        assert problem.path == "content/hand-self-massage.es.po"
        problem.format()
    try:
        update_catalog(document.handout, po, "es")
    except HandoutsError as exc:
        assert exc.problems
        assert po.read_bytes() == raw  # a file we cannot read is never rewritten
    else:
        # What translate writes must always be readable again.
        again, problems = read_catalog(po, "content/hand-self-massage.es.po", "es")
        assert again is not None, problems


# ----------------------------------------------------------------- YAML

_SCALARS = st.one_of(
    st.sampled_from([
        "2026-02-28", "2026-02-30", "2026-13-01", "0000-00-00", "9999-12-31", "2026-2-3",
        "2026-02-28 25:61:61", "2026-02-28T10:00:00Z", "2026-02-28 10:00:00 +25:00",
        "1" * 5000, "0x_", "0o9", "1e999", ".nan", "-.inf", "0b102", "1_000", "~", "null",
        "yes", "No", "on", "'quoted'", '"esc \\x00 \\u202e"', '"\\ud800"', "!!binary 'zz'",
        "!!binary aGVsbG8=", "!!timestamp 'soon'", "!!int 'x'", "!!float 'x'", "!!bool maybe",
        "!!python/object:os.system x", "!!set {a, b}", "!!omap [a: 1]", "!!str 3", "|\n  block",
        "<script>x</script>", "{{ 7*7 }}", "%(x)s", "*undefined", "&lonely x",
    ]),
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=20)
    .map(lambda s: s.replace("\n", " ")),
)


@st.composite
def yaml_documents(draw: st.DrawFn) -> str:
    """Mappings of odd scalars, anchors, aliases (nested and self-referencing) and merges."""
    lines: list[str] = []
    anchors: list[str] = []
    for i in range(draw(st.integers(1, 12))):
        key = draw(st.sampled_from([f"k{i}", "title", "review", "steps", "2026-02-30", "<<",
                                    "? [a]", "reviewed", "k0"]))
        kind = draw(st.integers(0, 6))
        if kind == 0 or (not anchors and kind > 3):
            value = draw(_SCALARS)
        elif kind == 1:
            value = "[" + ", ".join(draw(st.lists(_SCALARS, max_size=4))) + "]"
        elif kind == 2:
            value = "{reviewed: " + draw(_SCALARS) + ", reviewer: x}"
        elif kind == 3:
            name = f"a{i}"
            refs = [f"*{a}" for a in anchors] + [f"*{name}"] * draw(st.integers(0, 1))
            inner = draw(st.lists(st.sampled_from(refs or ["x"]), min_size=1, max_size=9))
            value = f"&{name} [" + ", ".join(inner) + "]"
            anchors.append(name)
        elif kind == 4:
            value = "*" + draw(st.sampled_from(anchors))
        elif kind == 5:
            value = "{<<: *" + draw(st.sampled_from(anchors)) + ", x: 1}"
        else:
            value = "{<<: [" + ", ".join(f"*{a}" for a in anchors) + "]}"
        lines.append(f"{key}: {value}")
    return "\n".join(lines) + "\n"


@FUZZ
@given(text=yaml_documents())
def test_any_yaml_gives_data_or_located_problems(project: Path, text: str) -> None:
    path = project / "content/fuzz.yaml"
    path.write_text(text, encoding="utf-8")
    problems: list[Problem] = []
    source = read_yaml(path, "content/fuzz.yaml", problems)
    assert isinstance(source, SourceFile) or problems
    problems.clear()
    document = load_document("fuzz", path, "content/fuzz.yaml", problems)
    assert document is not None or problems
    for problem in problems:
        assert problem.path == "content/fuzz.yaml"
        problem.format()

