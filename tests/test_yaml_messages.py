"""The YAML mistakes a person makes in a text editor, each explained in plain words.

Every row is one real mistake made in the starter project: the exact message (still
``file:line: field: message``) and the excerpt shown under it (the offending line and a
caret under the column), through the config loader and the content loader.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from handouts.commands.init import init_project
from handouts.errors import Problem
from handouts.project.config import load_config
from handouts.project.content import load_document
from handouts.project.sourcefile import LineMap

from .helpers import run_in

CONFIG = "handouts.yaml"
CONTENT = "content/hand-self-massage.yaml"

#: (file, text to replace, replacement, expected message, expected excerpt)
CASES = [
    pytest.param(
        CONFIG, 'primary: "#1F5F5B"', "primary: #7A3E6C",
        "handouts.yaml:18: clinic.colors.primary: the value starts with '#', which YAML "
        'reads as a comment; put it in quotes: primary: "#7A3E6C"',
        "        primary: #7A3E6C\n                 ^", id="unquoted-hash"),
    pytest.param(
        CONFIG, "  tagline: Massage and physiotherapy", "    tagline: Massage and physiotherapy",
        "handouts.yaml:5: 'tagline' is indented more than the line above; line it up with "
        "'name' on line 4 (2 spaces from the left)",
        "        tagline: Massage and physiotherapy\n        ^", id="over-indented"),
    # QA: a block's key without its colon was blamed on the next line, as "line it up
    # with '' on line 0".
    pytest.param(
        CONFIG, "  address:\n", "  address\n",
        "handouts.yaml:6: 'address' needs a colon after it ('address:') to hold the lines "
        "indented under it",
        "      address\n             ^", id="block-key-without-colon"),
    pytest.param(
        CONFIG, "clinic:\n", "clinic\n",
        "handouts.yaml:3: 'clinic' needs a colon after it ('clinic:') to hold the lines "
        "indented under it",
        "    clinic\n          ^", id="top-key-without-colon"),
    pytest.param(
        CONFIG, "defaults:\n", "defaults: yes\n",
        "handouts.yaml:25: 'paper' is indented, but nothing above it opens a block; start it "
        "at the left edge (0 spaces)",
        "      paper: letter\n      ^", id="indented-under-a-value"),
    pytest.param(
        CONFIG, "  tagline: Massage and physiotherapy", " tagline: Massage and physiotherapy",
        "handouts.yaml:5: 'tagline' does not line up with the lines around it; line it up "
        "with 'name' on line 4 (2 spaces from the left)",
        "     tagline: Massage and physiotherapy\n     ^", id="under-indented"),
    pytest.param(
        CONFIG, "    city: Springfield", "   city: Springfield",
        "handouts.yaml:8: 'city' does not line up with the lines around it; line it up "
        "with 'street' on line 7 (4 spaces from the left)",
        "       city: Springfield\n       ^", id="under-indented-nested"),
    pytest.param(
        CONFIG, "  tagline: Massage and physiotherapy", "\ttagline: Massage and physiotherapy",
        "handouts.yaml:5: this line is indented with a tab; use spaces, not tabs, to indent "
        "(most editors can be set to insert spaces)",
        "    →tagline: Massage and physiotherapy\n    ^", id="tab"),
    pytest.param(
        CONFIG, "  tagline: Massage and physiotherapy", "  tagline: Note: do this",
        "handouts.yaml:5: the text of 'tagline' contains ': ', which YAML reads as a new key; "
        'put the whole text in quotes: tagline: "Note: do this"',
        "      tagline: Note: do this\n                   ^", id="colon-in-text"),
    pytest.param(
        CONFIG, "  tagline: Massage and physiotherapy", '  tagline: "Massage and physiotherapy',
        'handouts.yaml:5: the quote (") that starts this text is never closed; end the text '
        'with " on the same line',
        '      tagline: "Massage and physiotherapy\n               ^', id="unclosed-quote"),
    pytest.param(
        CONFIG, "  tagline: Massage and physiotherapy", "  tagline:\n    - Massage\n    - Physio",
        "handouts.yaml:5: clinic.tagline: must be one value, not a list",
        "      tagline:\n      ^", id="list-for-value"),
    pytest.param(
        CONTENT, "    text: Do the same steps on your other hand.",
        "    text: Do the same steps: first the palm, then the fingers.",
        "content/hand-self-massage.yaml:21: the text of 'text' contains ': ', which YAML reads "
        'as a new key; put the whole text in quotes: text: "Do the same steps: first the palm, '
        'then the fingers."',
        "        text: Do the same steps: first the palm, then the fingers.\n"
        "                               ^", id="content-colon"),
    pytest.param(
        CONTENT, "keywords: [hands, self-care, massage]", "keywords: hands",
        "content/hand-self-massage.yaml:7: keywords: must be a list: start each item on its "
        "own line with '- '",
        "    keywords: hands\n              ^", id="value-for-list"),
    pytest.param(
        CONTENT, "  - A little hand cream or lotion\n  - A chair where you can sit up straight",
        "  -A little hand cream or lotion\n  -A chair where you can sit up straight",
        "content/hand-self-massage.yaml:10: you_need: must be a list: put a space after '-' "
        "to start each item (- like this)",
        "      -A little hand cream or lotion\n      ^", id="dash-without-space"),
    pytest.param(
        CONTENT, "  - title: Press the palm", "  -title: Press the palm",
        "content/hand-self-massage.yaml:15: put a space after '-' to start a list item "
        "(- like this)",
        "      -title: Press the palm\n      ^", id="dash-without-space-key"),
    pytest.param(
        CONTENT, "  - title: Looser hands\n", "  - title: Looser hands\n   text: x\n",
        "content/hand-self-massage.yaml:33: 'text' does not line up with the lines around it; "
        "line it up with 'title' on line 32 (4 spaces from the left)",
        "       text: x\n       ^", id="content-list-item-misaligned"),
    pytest.param(
        CONFIG, "  tagline: Massage and physiotherapy", "  tagline: [Massage, physiotherapy",
        "handouts.yaml:5: the list that starts here with '[' is not closed; end it with ']' "
        "on the same line, or put the whole text in quotes",
        "      tagline: [Massage, physiotherapy\n               ^", id="unclosed-bracket"),
    pytest.param(
        CONTENT, "keywords: [hands, self-care, massage]", "keywords: {hands, self-care",
        "content/hand-self-massage.yaml:7: the group of values that starts here with '{' is "
        "not closed; end it with '}' on the same line, or put the whole text in quotes",
        "    keywords: {hands, self-care\n              ^", id="unclosed-brace"),
    pytest.param(  # the file ends inside the brackets: the parser names only its end
        CONTENT, "  reviewer: Your Clinic team\n", "  reviewer: Your Clinic team\n  keep: [\n",
        "content/hand-self-massage.yaml:41: the list that starts here with '[' is not "
        "closed; end it with ']' on the same line, or put the whole text in quotes",
        "      keep: [\n            ^", id="unclosed-bracket-at-the-end"),
    pytest.param(
        CONTENT, "  reviewer: Your Clinic team", "  reviewer: Your Clinic team\n  reviewer: Sam",
        "content/hand-self-massage.yaml:41: review.reviewer: appears twice (first on line 40); "
        "keep one of them", "",
        id="duplicate-key"),
    # Markdown at the start of a text: YAML's own marks (it was "did not find expected
    # alphabetic or numeric character").
    pytest.param(
        CONTENT, "tip: Press only as hard as feels good.",
        "tip: **Gently** press only as hard as feels good.",
        "content/hand-self-massage.yaml:17: a text that starts with '*' must be in quotes "
        "(YAML gives '*' a meaning of its own there): tip: \"**Gently** press only as hard "
        "as feels …\"",
        "        tip: **Gently** press only as hard as feels good.\n             ^",
        id="markdown-bold-first"),
    pytest.param(
        CONTENT, "tip: Press only as hard as feels good.",
        "tip: [Watch the video](https://example.com/v) first.",
        "content/hand-self-massage.yaml:17: a text that starts with '[' must be in quotes "
        "(YAML gives '[' a meaning of its own there): tip: \"[Watch the video]"
        "(https://example.com/v…\"",
        "        tip: [Watch the video](https://example.com/v) first.\n             ^",
        id="markdown-link-first"),
    # YAML's words for true, false and nothing, where a text belongs (it was "must be a
    # group of 'key: value' lines" for a list of texts, "must be text" for a title).
    pytest.param(
        CONTENT, "  - A little hand cream or lotion", "  - no",
        'content/hand-self-massage.yaml:10: you_need[1]: YAML reads no as false, not as '
        'text; put it in quotes: "no"', "      - no\n        ^", id="no-in-a-list"),
    pytest.param(
        CONTENT, "  - title: Warm up", "  - title: Yes",
        'content/hand-self-massage.yaml:13: steps[1].title: YAML reads Yes as true, not as '
        'text; put it in quotes: "Yes"', "      - title: Yes\n               ^",
        id="yes-as-a-title"),
    pytest.param(
        CONTENT, "  - A little hand cream or lotion", "  - null",
        'content/hand-self-massage.yaml:10: you_need[1]: YAML reads null as nothing, not as '
        'text; put it in quotes: "null"', "      - null\n        ^", id="null-in-a-list"),
]


@pytest.mark.parametrize(("file", "old", "new", "message", "shown"), CASES)
def test_yaml_mistake_is_explained(tmp_path: Path, file: str, old: str, new: str,
                                   message: str, shown: str) -> None:
    root = tmp_path / "p"
    init_project(root)
    path = root / file
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    problems: list[Problem] = []
    if file == CONFIG:
        load_config(root, problems, LineMap())
    else:
        load_document(path.stem, path, file, problems)
    assert [p.format() for p in problems] == [message]
    assert problems[0].excerpt == shown


def test_excerpt_printed_under_the_message(tmp_path: Path) -> None:
    """The CLI prints the excerpt lines right after the one-line message."""


    root = tmp_path / "p"
    init_project(root)
    config = root / CONFIG
    config.write_text(config.read_text().replace('primary: "#1F5F5B"', "primary: #7A3E6C"))
    result = run_in(root, "build")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[:3] == [
        "handouts.yaml:18: clinic.colors.primary: the value starts with '#', which YAML reads "
        'as a comment; put it in quotes: primary: "#7A3E6C"',
        "        primary: #7A3E6C",
        "                 ^",
    ]


#: Characters a YAML reader refuses, and encodings it cannot read: each one given as
#: ``file:line:`` in plain words, never the parser's "position N of <unicode string>".
READER_CASES = [
    pytest.param(CONFIG, b"  tagline: Massage and physiotherapy",
                 b"  tagline: Massage\x07 and physiotherapy",
                 ["handouts.yaml:5: contains an invisible control character (U+0007), which "
                  "YAML does not allow; delete it (text copied from another program often "
                  "brings one along)"],
                 "      tagline: Massage? and physiotherapy\n                      ^",
                 id="bell-in-config"),
    pytest.param(CONTENT, b"    text: Do the same steps on your other hand.",
                 b"    text: Do the \x1b[1msame\x1b[0m steps on your other hand.",
                 ["content/hand-self-massage.yaml:21: contains an invisible control character "
                  "(U+001B), which YAML does not allow; delete it (text copied from another "
                  "program often brings one along)"],
                 "        text: Do the ?[1msame?[0m steps on your other hand.\n"
                 "                     ^", id="escape-codes-in-content"),
    pytest.param(CONTENT, b"summary: A short", "summary: A short \u0085\u009f".encode(),
                 ["content/hand-self-massage.yaml:6: contains an invisible control character "
                  "(U+009F), which YAML does not allow; delete it (text copied from another "
                  "program often brings one along)"],
                 "    summary: A short ?? self-massage for tired hands and fingers.\n"
                 "                      ^", id="c1-control"),
    pytest.param(CONTENT, b"title: A 3", "title: A \ufffe3".encode(),
                 ["content/hand-self-massage.yaml:2: contains a character that is not text "
                  "(U+FFFE), which YAML does not allow; delete it (text copied from another "
                  "program often brings one along)"],
                 "    title: A ?3-minute hand massage you can do yourself\n"
                 "             ^", id="non-character"),
    pytest.param(CONFIG, None, "utf-16",
                 ["handouts.yaml:1: is UTF-16 text, not UTF-8; save it as UTF-8 in your "
                  "editor"], "", id="utf-16"),
    pytest.param(CONFIG, None, "utf-16-le",
                 ["handouts.yaml:1: contains NUL characters: the file looks like UTF-16 "
                  "('Unicode text'); save it as UTF-8 in your editor"], "",
                 id="utf-16-without-bom"),
    pytest.param(CONTENT, None, "latin-1",
                 ["content/hand-self-massage.yaml:2: is not UTF-8 text; save it as UTF-8 in "
                  "your editor"], "", id="latin-1"),
]


@pytest.mark.parametrize(("file", "old", "new", "messages", "shown"), READER_CASES)
def test_reader_errors_are_given_by_line_in_plain_words(
        tmp_path: Path, file: str, old: bytes | None, new: bytes | str, messages: list[str],
        shown: str) -> None:
    root = tmp_path / "p"
    init_project(root)
    path = root / file
    raw = path.read_bytes()
    if old is None:  # the whole file in another encoding
        text = raw.decode("utf-8")
        if new == "latin-1":
            text = text.replace("A 3-minute", "Un café de 3-minute")
        raw = text.encode(str(new))
    else:
        assert isinstance(new, bytes) and old in raw
        raw = raw.replace(old, new, 1)
    path.write_bytes(raw)
    problems: list[Problem] = []
    if file == CONFIG:
        load_config(root, problems, LineMap())
    else:
        load_document(path.stem, path, file, problems)
    assert [p.format() for p in problems] == messages
    assert problems[0].excerpt == shown
    assert not any("position" in p.message or "unicode string" in p.message for p in problems)


def test_many_lines_with_control_characters_are_summed_up(tmp_path: Path) -> None:
    root = tmp_path / "p"
    init_project(root)
    path = root / CONTENT
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join(line + "\x0c" if 12 < number < 21 else line
                              for number, line in enumerate(lines, 1)) + "\n",
                    encoding="utf-8")
    problems: list[Problem] = []
    load_document(path.stem, path, CONTENT, problems)
    assert [(p.line, p.message.split(" (")[0]) for p in problems] == [
        *[(number, "contains an invisible control character") for number in range(13, 18)],
        (18, "and 3 more line(s) with such characters")]


def test_a_hash_that_cuts_a_text_short_is_warned_about(tmp_path: Path) -> None:
    """'ext. #5 first.' was dropped from the sheet without a word: YAML reads it as a
    comment. A comment written as one ('  # note', a space after '#') is not warned."""
    root = tmp_path / "p"
    init_project(root)
    path = root / CONTENT
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace(
        "    - Take off rings and watches.",
        "    - Take off rings and watches. Call us at ext. #5 first.", 1).replace(
        "  reviewer: Your Clinic team", "  reviewer: Your Clinic team  # who reviewed it", 1),
        encoding="utf-8")
    result = run_in(root, "check", "--no-render")
    lines = [line for line in result.output.splitlines() if "comment" in line]
    assert lines == [
        f"{CONTENT}:24: warning: '#5 first.' is read as a comment (a '#' after a space "
        "starts one) and left out: put the whole text in quotes to print it"], result.output
    assert result.exit_code == 0


def test_a_text_read_as_an_anchor_is_warned_about(tmp_path: Path) -> None:
    """A tip written '&more' vanished from the sheet without a word, the handout built:
    YAML reads it as an anchor, a name to reuse a part by. An anchor that an alias uses
    (an owner sharing a part with '*name') is not warned about."""
    root = tmp_path / "p"
    init_project(root)
    path = root / CONTENT
    text = path.read_text(encoding="utf-8")
    text = text.replace("    tip: Press only as hard as feels good.", "    tip: &gently", 1)
    text = text.replace("    text: Gentle pressure can help stiff hands feel looser.",
                        "    text: &looser Gentle pressure can help stiff hands feel looser.",
                        1).replace("    text: A few slow minutes can help you relax.",
                                   "    text: *looser", 1)
    path.write_text(text, encoding="utf-8")
    result = run_in(root, "check", "--no-render")
    assert [line for line in result.output.splitlines() if "&" in line] == [
        f"{CONTENT}:17: warning: '&gently' is read as a YAML anchor (a name to reuse a "
        "part by) and left out: put the whole text in quotes to print it"], result.output
    assert result.exit_code == 0 and "\n0 error(s), " in result.output


@pytest.mark.parametrize(("setting", "said"), [
    # QA: ``over_limit: true`` was told to quote it ("true"), which only led to a second
    # message; a setting that takes one of a few words is told them at once.
    ("over_limit: true", "checks.over_limit: must be one of 'error' or 'warning'"),
    # QA: ``reading_grade: 8`` (as an old README put it: "warning above grade 6, error
    # above 8") was told only "must be a group of 'key: value' lines".
    ("reading_grade: 8", "checks.reading_grade: must be a group of 'key: value' lines, "
                         "with the keys warn, error"),
])
def test_a_check_setting_written_as_one_value_is_told_what_it_takes(
        tmp_path: Path, setting: str, said: str) -> None:
    root = tmp_path / "p"
    init_project(root)
    config = root / CONFIG
    config.write_text(config.read_text(encoding="utf-8") + f"checks:\n  {setting}\n",
                      encoding="utf-8")
    result = run_in(root, "-q", "build")
    line = len(config.read_text(encoding="utf-8").splitlines())
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == f"handouts.yaml:{line}: {said}"
