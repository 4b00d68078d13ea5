"""Whether each clinic program can be given in every version ``handouts check`` covers,
and has its own words in every language it can be given in.

A handout given in a program carries a "Your plan" box and the client's name: a
handout already at its page limit can be pushed over it, and the desk then refuses
the program in that version (a location's opening hours in the footer did it to the
example's programs). Only the handouts at their limit without a client are tried:
one under it cannot pass it by a box shorter than a page.
"""

from __future__ import annotations

from collections.abc import Mapping

from handouts.checks.findings import Findings
from handouts.checks.glyphs import check_program
from handouts.errors import Problem, Severity
from handouts.project.config import Project
from handouts.project.content import Document
from handouts.project.programs import ClinicProgram
from handouts.project.sourcefile import format_loc
from handouts.render.limits import max_pages
from handouts.render.program import fit_item
from handouts.variants.clients import Client
from handouts.variants.plan import Variant
from handouts.variants.program import ProgramItem

#: The client a check imagines: a name of a usual length (the block's height depends
#: on it only when a name wraps).
SAMPLE_CLIENT = Client("Alexandra Montgomery")


def program_fit(project: Project, documents: Mapping[str, Document],
                programs: Mapping[str, ClinicProgram], pages: Mapping[Variant, int],
                report: Findings) -> None:
    """Try the items of each of ``programs`` (those that load) in the versions of
    ``pages`` (each rendered version's page count without a client) where the handout
    is at its limit; a version the program cannot be given in is a problem at the
    item's line. An item whose handout is not in ``documents`` (its file has errors,
    said with it) is not tried."""
    source = project.config.defaults.language
    for program in programs.values():
        # The words each version prints: the note and dose text in its language (a
        # longer Spanish note pushed the handout over its limit, and check, trying the
        # English one, said nothing).
        printed: dict[str, list[ProgramItem]] = {}
        for index, spec in enumerate(program.program.items):
            document = documents.get(spec.handout)
            if document is None:
                continue
            for variant in sorted(v for v, count in pages.items()
                                  if v.handout == spec.handout
                                  and count >= max_pages(project, document, v.large_print)):
                if variant.language not in printed:
                    printed[variant.language] = [
                        ProgramItem(w.handout, w.dosage, w.note)
                        for w in program.in_language(variant.language, source)[0].items]
                item = printed[variant.language][index]
                _, found = fit_item(project, document, variant, SAMPLE_CLIENT, item)
                loc = ("items", index)
                for problem in found:
                    if problem.severity is not Severity.ERROR and problem.field != "max_pages":
                        continue  # the handout's own warnings: said by its own check
                    report.problems.append(Problem(
                        program.display, program.lines.line_of(loc), format_loc(loc),
                        f"{variant.describe()}: cannot be given with its plan: "
                        f"{problem.path}: " + (f"{problem.field}: " if problem.field else "")
                        + problem.message, problem.severity))


def program_words(project: Project, programs: Mapping[str, ClinicProgram],
                  variants: list[Variant], report: Findings) -> None:
    """A warning for each printed word of a clinic program (title, notes, dose texts)
    with no translation in a language ``check`` covers for every one of its handouts:
    what ``handouts program`` would print as written there (see
    :meth:`~handouts.project.programs.ClinicProgram.in_language`)."""
    source = project.config.defaults.language
    for program in programs.values():
        for language in sorted(_given_in(program, variants) - {source}):
            report.problems += program.in_language(language, source)[1]


def program_characters(project: Project, programs: Mapping[str, ClinicProgram],
                       variants: list[Variant], report: Findings) -> None:
    """An error for each text field of a clinic program's file (title, description,
    each item's note and dose text, their translations) holding a character no font
    has: in the clinic's language, each language its ``translations`` give and each
    ``check`` covers for every one of its handouts (the rule ``handouts program``
    refuses a program by: :func:`~handouts.checks.glyphs.check_program`)."""
    source = project.config.defaults.language
    for program in programs.values():
        languages = {source, *program.program.translations, *_given_in(program, variants)}
        report.problems += check_program(project, program, sorted(languages))


def _given_in(program: ClinicProgram, variants: list[Variant]) -> set[str]:
    """The languages of ``variants`` every handout of ``program`` has."""
    languages: dict[str, set[str]] = {}
    for variant in variants:
        languages.setdefault(variant.handout, set()).add(variant.language)
    handouts = {item.handout for item in program.program.items}
    return set.intersection(*(languages.get(h, set()) for h in handouts))
