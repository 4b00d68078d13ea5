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
        CONTENT, "  reviewer: Your Clinic team", "  reviewer: Your Clinic team\n  reviewer: Sam",
        "content/hand-self-massage.yaml:41: review.reviewer: appears twice", "",
        id="duplicate-key"),
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
    from click.testing import CliRunner

    from handouts.cli import cli

    root = tmp_path / "p"
    init_project(root)
    config = root / CONFIG
    config.write_text(config.read_text().replace('primary: "#1F5F5B"', "primary: #7A3E6C"))
    result = CliRunner().invoke(cli, ["-C", str(root), "build"])
    assert result.exit_code == 1
    assert result.stderr.splitlines()[:3] == [
        "handouts.yaml:18: clinic.colors.primary: the value starts with '#', which YAML reads "
        'as a comment; put it in quotes: primary: "#7A3E6C"',
        "        primary: #7A3E6C",
        "                 ^",
    ]
