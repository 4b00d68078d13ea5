"""Personal copies: only the "prepared for" block is laid out per client, and the PDF
is exactly what a full render of the same page gives."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pikepdf
import pytest

from handouts.project.load import load_project
from handouts.render.compose import compose
from handouts.render.engine import internals, pdf
from handouts.render.fitting import render_page
from handouts.render.personal import PERSONAL_CLASS, PersonalCopies, split_personal
from handouts.render.theme import TEMPLATE_NAME, THEME_DIR, render_html, stylesheet_path
from handouts.variants.clients import Client
from handouts.variants.plan import Variant

from .helpers import copy_example, edit, pdf_pages, pdf_text, run_in

HANDOUT = "hand-self-massage"
SHORT = [Client(f"Client {i}", None, "Ana Ruiz", dt.date(2026, 12, 1)) for i in range(4)]
# A note adds a line to the block: these share a second block size.
NOTED = [Client(f"Noted {i}", "Gentle on the left shoulder", "Ana Ruiz", None)
         for i in range(3)]
LONG_NOTE = Client("Zelda Quintanilla", " ".join(["Keep the pressure light."] * 12))


def _copies(root: Path, variant: Variant, clients: list[Client]) -> tuple[
        PersonalCopies, list[bytes], list[bytes]]:
    loaded = load_project(root)
    project, documents = loaded.project, loaded.documents
    document = next(d for d in documents if d.name == HANDOUT)
    copies = PersonalCopies(project)
    fast, full = [], []
    for client in clients:
        page, problems = compose(project, document, variant, client)
        assert page is not None and not problems
        fast.append(copies.render(document, page).pdf)
        full.append(render_page(project, document, page).pdf)
    return copies, fast, full


def test_a_clients_block_is_laid_out_alone_without_the_pages_footer(project: Path) -> None:
    """The block a named copy or a program lays out alone is only measured and moved
    into a kept page: its own page gets no margin boxes (the footer with the clinic's
    contact and the page number), about a fifth of that layout's time."""
    from handouts.render.personal import lay_out_block

    loaded = load_project(project)
    document = next(d for d in loaded.documents if d.name == HANDOUT)
    page, _ = compose(loaded.project, document, Variant(HANDOUT), SHORT[0])
    assert page is not None
    piece, height = lay_out_block(loaded.project, document, page)
    assert height is not None and height > 0
    [alone] = piece.document.pages
    assert len(internals.page_root(alone).children) == 1  # the page's content only
    full = render_page(loaded.project, document, page)
    assert "Page 1 of" in full.texts[0] and "Page 1 of" not in internals.page_texts(
        piece.document)[0]


@pytest.mark.parametrize("variant", [
    Variant(HANDOUT, "general", "en", "letter", "standard"),
    Variant(HANDOUT, "general", "en", "a4", "large"),
])
@pytest.mark.slow
def test_copies_are_byte_identical_to_full_renders(project: Path, variant: Variant) -> None:
    clients = [*SHORT, *NOTED, LONG_NOTE]
    copies, fast, full = _copies(project, variant, clients)
    assert fast == full
    # The first of each block size is a full render; the rest reuse its layout.
    assert copies.swapped == len(clients) - 3
    for client, data in zip(clients, fast, strict=True):
        text = pdf_pages(data)[0]
        assert f"Prepared for {client.name}" in text
        with pikepdf.open(io.BytesIO(data)) as document:
            assert "/StructTreeRoot" in document.Root
            assert str(document.Root.Lang) == "en"


def test_a_copy_never_shows_the_previous_clients_details(project: Path) -> None:
    variant = Variant(HANDOUT, "general", "en", "letter", "standard")
    _, fast, _ = _copies(project, variant, SHORT[:2])
    text = pdf_text(fast[1])
    assert "Client 1" in text
    assert "Client 0" not in text


def test_a_client_s_name_is_not_in_the_outline(project: Path) -> None:
    """The client's name is printed on the page, and kept out of the PDF's outline:
    viewers list the outline in their sidebar and document managers index it (QA: every
    named copy and program had an entry "Prepared for NAME")."""
    variant = Variant(HANDOUT, "general", "en", "letter", "standard")
    _, fast, full = _copies(project, variant, [NOTED[0], NOTED[1]])
    for data in (*fast, *full):
        with pikepdf.open(io.BytesIO(data)) as document, document.open_outline() as outline:
            titles = []
            todo = list(outline.root)
            while todo:
                item = todo.pop()
                titles.append(item.title)
                todo += item.children
        assert "Step by step" in titles
        assert not [title for title in titles if "Noted" in title or "Prepared" in title]
        assert "Prepared for Noted" in pdf_text(data)


def test_template_without_the_markers_gets_full_renders(project: Path) -> None:
    template = (THEME_DIR / TEMPLATE_NAME).read_text(encoding="utf-8")
    stripped = template.replace("<!-- handouts:personal -->", "").replace(
        "<!-- /handouts:personal -->", "")
    (project / "templates").mkdir(exist_ok=True)
    (project / "templates" / TEMPLATE_NAME).write_text(stripped, encoding="utf-8")
    variant = Variant(HANDOUT, "general", "en", "letter", "standard")
    copies, fast, full = _copies(project, variant, SHORT[:3])
    assert fast == full
    assert copies.swapped == 0


def test_swap_needs_a_block_of_the_same_size(project: Path) -> None:
    loaded = load_project(project)
    root, documents = loaded.project, loaded.documents
    document = next(d for d in documents if d.name == HANDOUT)
    variant = Variant(HANDOUT, "general", "en", "letter", "standard")
    engine = pdf.engine()
    options = {"base_dir": project, "stylesheet": stylesheet_path(None), "source": "x",
               "roots": (project, THEME_DIR)}

    def html(client: Client) -> str:
        page, _ = compose(root, document, variant, client)
        assert page is not None
        return render_html(page, None)

    base = engine.lay_out(html(SHORT[0]), **options)
    assert base.pages == 2
    assert engine.block_height(base, PERSONAL_CLASS) is None  # only for one-page pieces
    pieces = {}
    for client in (SHORT[1], LONG_NOTE):
        parts = split_personal(html(client))
        assert parts is not None
        pieces[client.name] = engine.lay_out(parts[1], **options)
    same, taller = pieces[SHORT[1].name], pieces[LONG_NOTE.name]
    assert engine.block_height(taller, PERSONAL_CLASS) > engine.block_height(
        same, PERSONAL_CLASS) > 0
    assert engine.swap_block(base, taller, PERSONAL_CLASS) is None
    swapped = engine.swap_block(base, same, PERSONAL_CLASS)
    assert swapped is not None
    text = engine.write(swapped, source="x").texts[0]
    assert "Prepared for Client 1" in text and "Client 0" not in text


def test_a_changed_engine_falls_back_to_full_renders(project: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    # The swap reads WeasyPrint's box tree, which is not public API. If a release
    # changes it, copies must still come out right, rendered in full.
    def changed(*args: object) -> None:
        raise AttributeError("'PageBox' object has no attribute 'children'")

    monkeypatch.setattr(internals, "block_path", changed)
    variant = Variant(HANDOUT, "general", "en", "letter", "standard")
    copies, fast, full = _copies(project, variant, SHORT[:3])
    assert fast == full
    assert copies.swapped == 0


@pytest.mark.slow
def test_a_handout_that_must_shrink_gets_full_renders(project: Path) -> None:
    # The shrunken size depends on the block, so a kept layout cannot be reused.
    content = project / "content" / f"{HANDOUT}.yaml"
    text = content.read_text(encoding="utf-8")
    content.write_text(text.replace("language: en\n", "language: en\nmax_pages: 1\n"
                                    "fit: shrink\n"), encoding="utf-8")
    variant = Variant(HANDOUT, "general", "en", "letter", "standard")
    copies, fast, full = _copies(project, variant, SHORT[:3])
    assert fast == full
    assert copies.swapped == 0
    loaded = load_project(project)
    project_, documents = loaded.project, loaded.documents
    document = next(d for d in documents if d.name == HANDOUT)
    page, _ = compose(project_, document, variant, SHORT[0])
    assert page is not None
    assert render_page(project_, document, page).shrunk_to is not None  # it did shrink


@pytest.mark.slow
def test_copies_of_a_balanced_handout_are_byte_identical() -> None:
    """A version whose last two pages are balanced (a page ends early) keeps that
    fitting for every copy, and the swapped copies are what a full render gives."""
    root = Path(__file__).resolve().parent.parent
    loaded = load_project(root)
    project, documents = loaded.project, loaded.documents
    document = next(d for d in documents if d.name == "back-massage")
    variant = Variant("back-massage", "cancer-care", "en", "a4", "standard")
    copies = PersonalCopies(project)
    for client in SHORT[:3]:
        page, problems = compose(project, document, variant, client)
        assert page is not None and not problems
        fast = copies.render(document, page)
        assert any(name.startswith("fit-short-") for name in fast.fit)
        assert fast.pdf == render_page(project, document, page).pdf
    assert copies.swapped == 2


def test_a_long_note_never_pushes_the_stop_callout_off_the_first_page(tmp_path: Path) -> None:
    """Safety whatever the client's note: in large print, a long note would push the
    "Stop right away if" callout to page 2; the client's block goes after it instead,
    by the full render and by the per-client fast path alike (same bytes)."""
    from .helpers import copy_example

    root = copy_example(tmp_path / "clinic")
    loaded = load_project(root, ("back-massage",))
    project, documents = loaded.project, loaded.documents
    variant = Variant("back-massage", print="large")
    note = "Keep the pressure light near the spine and stop if anything feels sharp. " * 7
    clients = [Client("Ana Ruiz", note), Client("Bo Chen", note)]
    copies = PersonalCopies(project)
    for client in clients:
        page, _ = compose(project, documents[0], variant, client)
        full = render_page(project, documents[0], page)
        fast = copies.render(documents[0], page)
        assert fast.pdf == full.pdf
        first, second = pdf_pages(full.pdf, by_position=True)[:2]
        assert "Stop right away if" in first
        assert f"Prepared for {client.name}" not in first
        assert f"Prepared for {client.name}" in second
        assert first.index("How to give a back massage") < first.index("Stop right away if")
    assert copies.swapped == 1
    # A short note keeps the block above the callout, where a client looks first.
    page, _ = compose(project, documents[0], variant, Client("Cy Dee", "Go easy."))
    first = pdf_pages(render_page(project, documents[0], page).pdf, by_position=True)[0]
    assert first.index("Prepared for Cy Dee") < first.index("Stop right away if")


NOTE = "Keep your shoulders down and breathe out slowly as you stretch; stop if it hurts. "


#: How each case asks for a long note, and the pages it then needs, with the limit.
OVERFLOWS = {
    "copy": (("build", "desk-stretch-break", "--client", "Ann Lee", "--note", NOTE * 10),
             "needs 3 pages with the client's details and notes (2 without them); the limit "
             "is 2 \N{EM DASH} shorten the note, raise max_pages"),
    "program": (("program", "--client", "Ann Lee", "--item",
                 # Within a note's 300 characters, which the packet's pages then lack.
                 f'desk-stretch-break sets=2 note="{(NOTE * 4)[:299].strip()}"'),
                "needs 3 pages with the client's details and notes (2 without them); the "
                "limit is 2 \N{EM DASH} shorten the note, raise max_pages"),
    # In large print the limit is checks.max_pages_large: raising the handout's own
    # max_pages would change nothing, so the message must not send the clinic there.
    "large print": (("build", "desk-stretch-break", "--large-print", "--client", "Ann Lee",
                     "--note", NOTE * 10),
                    "needs 5 pages with the client's details and notes (4 without them); the "
                    "limit is 4 \N{EM DASH} shorten the note, raise checks.max_pages_large"),
}


@pytest.mark.parametrize("how", OVERFLOWS)
def test_a_note_that_overflows_the_page_limit_is_named_as_the_cause(how: str,
                                                                    tmp_path: Path) -> None:
    """A long note pushed a two-page handout onto a third page, and the message said to
    shorten the handout's text, which the desk cannot do (and which fits). It says the
    client's details are what does not fit, never quoting them."""
    project = copy_example(tmp_path / "clinic")
    # The stretch break at the default limit, which its two pages fill (the example
    # gives it a third, for its programs).
    edit(project / "content" / "desk-stretch-break.yaml", "max_pages: 3\n", "")
    if how == "large print":
        config = project / "handouts.yaml"
        config.write_text(config.read_text(encoding="utf-8")
                          + "\nchecks:\n  max_pages_large: 4\n", encoding="utf-8")
    args, needs = OVERFLOWS[how]
    result = run_in(project, *args)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        f"content/desk-stretch-break.yaml: max_pages: {needs}, "
        "or set checks.over_limit: warning in handouts.yaml")
    assert "Ann Lee" not in result.output and "shoulders" not in result.output
    assert not (project / "output").exists()


def test_a_csv_row_whose_note_overflows_the_limit_is_said_at_its_note_column(
        tmp_path: Path) -> None:
    """The client CSV named the column "max_pages", which the file does not have."""
    project = copy_example(tmp_path / "clinic")
    edit(project / "content" / "desk-stretch-break.yaml", "max_pages: 3\n", "")
    (project / "clients.csv").write_text(
        f'client,handout,note\nAnn Lee,desk-stretch-break,"{NOTE * 10}"\n', encoding="utf-8")
    result = run_in(project, "merge", str(project / "clients.csv"))
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        "clients.csv:2: note: content/desk-stretch-break.yaml: needs 3 pages with the client's "
        "details and notes (2 without them); the limit is 2 \N{EM DASH} shorten the note, "
        "raise max_pages, or set checks.over_limit: warning in handouts.yaml")
    assert "Ann Lee" not in result.output and "shoulders" not in result.output
