"""Variant planning: the matrix, excludes and output names (a pure function)."""

from handouts.project.config import Batch, Exclude
from handouts.variants.plan import Variant, plan_matrix


def test_matrix_is_full_product_in_stable_order() -> None:
    batch = Batch(audiences=["general", "caregivers"], languages=["en", "es"],
                  papers=["letter", "a4"], prints=["standard", "large"])
    variants = plan_matrix(batch, ["back-massage"])
    assert len(variants) == 16
    assert variants == sorted(variants)
    assert variants[0] == Variant("back-massage", "caregivers", "en", "a4", "large")


def test_excludes_match_on_the_keys_they_set() -> None:
    batch = Batch(audiences=["general", "caregivers"], languages=["en", "es"],
                  exclude=[Exclude(language="es", audience="caregivers"),
                           Exclude(handout="stretch")])
    variants = plan_matrix(batch, ["back-massage", "stretch"])
    assert [(v.handout, v.audience, v.language) for v in variants] == [
        ("back-massage", "caregivers", "en"),
        ("back-massage", "general", "en"),
        ("back-massage", "general", "es"),
    ]


def test_manifest_handouts_override_available() -> None:
    assert [v.handout for v in plan_matrix(Batch(handouts=["b"]), ["a", "b"])] == ["b"]


def test_output_names_are_predictable() -> None:
    variant = Variant("back-massage", "caregivers", "es", "letter", "large")
    assert variant.relpath == "es/caregivers/back-massage-letter-large.pdf"
    assert variant.large_print
    assert not Variant("x").large_print
