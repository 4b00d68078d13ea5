"""Hard words with plain alternatives, in the spirit of CDC's *Everyday Words for Public
Health Communication* and plainlanguage.gov's word list."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

#: Built-in English list: hard word or phrase → plainer words.
ENGLISH: dict[str, str] = {
    "utilize": "use", "approximately": "about", "inflammation": "swelling",
    "assist": "help", "commence": "start", "terminate": "stop", "sufficient": "enough",
    "adjacent to": "next to", "prior to": "before", "in the event that": "if",
    "administer": "give", "ambulate": "walk", "discontinue": "stop", "physician": "doctor",
    "lumbar": "lower back", "cervical": "neck", "musculature": "muscles",
    "circulation": "blood flow", "edema": "swelling", "contraindicated": "not safe",
    "facilitate": "help", "numerous": "many", "individuals": "people",
    "therapeutic": "helpful", "apply pressure": "press", "optimal": "best",
    "subsequently": "later", "additional": "more", "demonstrate": "show",
    "indicate": "show", "initiate": "start", "modify": "change", "obtain": "get",
    "perform": "do", "regarding": "about", "require": "need", "in order to": "to",
    "at this point in time": "now", "a number of": "some", "acute": "sudden",
    "chronic": "long-lasting", "anterior": "front", "posterior": "back",
    "lateral": "side", "bilateral": "both sides", "dermatitis": "skin rash",
    "erythema": "redness", "pruritus": "itching", "paresthesia": "tingling",
    "analgesic": "pain medicine", "anti-inflammatory": "medicine for swelling",
}

#: Built-in Spanish list.
SPANISH: dict[str, str] = {
    "utilizar": "usar", "aproximadamente": "unos / cerca de", "inflamación": "hinchazón",
    "finalizar": "terminar", "médico especialista": "médico", "administrar": "dar",
    "efectuar": "hacer", "posteriormente": "después", "previamente": "antes",
    "en caso de que": "si", "edema": "hinchazón", "prurito": "picazón",
    "parestesia": "hormigueo", "eritema": "enrojecimiento", "lumbar": "parte baja de la espalda",
    "cervical": "cuello", "contraindicado": "no es seguro", "analgésico": "medicina para el dolor",
}

BUILT_IN = {"en": ENGLISH, "es": SPANISH}


@dataclass(frozen=True)
class JargonHit:
    """A hard word found in a text, and what to say instead."""

    term: str
    alternative: str
    start: int


@cache
def _pattern(term: str) -> re.Pattern[str]:
    words = [re.escape(w) for w in term.split()]
    if len(words) == 1 and re.fullmatch(r"[a-záéíóúñü]+(?:ize|ate|e)", term):
        # utilize → utilizes, utilized, utilizing (single verbs only: keep it predictable)
        stem = re.escape(term[:-1])
        return re.compile(rf"\b{stem}(?:e|es|ed|ing)\b", re.IGNORECASE)
    return re.compile(r"\b" + r"\s+".join(words) + r"(?:s)?\b", re.IGNORECASE)


def find_jargon(text: str, language: str, extra: dict[str, str] | None = None,
                allow: set[str] | None = None) -> list[JargonHit]:
    """Every hard word in ``text`` (built-in list for ``language`` plus ``extra``, minus
    ``allow``), in order of appearance. Whole words only: "assist" is not found in
    "assistant"."""
    terms = {**BUILT_IN.get(language.split("-")[0], {}), **(extra or {})}
    allowed = {a.lower() for a in allow or set()}
    hits = [JargonHit(m.group(0), alternative, m.start())
            for term, alternative in terms.items() if term.lower() not in allowed
            for m in _pattern(term.lower()).finditer(text)]
    return sorted(hits, key=lambda h: h.start)
