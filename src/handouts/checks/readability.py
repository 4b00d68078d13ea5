"""Reading level, computed offline: Flesch–Kincaid (English) and Fernández-Huerta (Spanish).

No dictionaries are downloaded: syllables are counted with rules, which is what the
published formulas were validated with anyway (they predate pronunciation
dictionaries). Expect ±0.5 grade against tools that use a dictionary.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

#: Fewer words than this in a judged text (a section, a whole list) and its grade
#: means little: one long word in "Una toalla delgada." makes it grade 13. Such a
#: text over the limit is a warning, not an error.
MIN_WORDS = 30

_ABBREVIATIONS = ("e.g.", "i.e.", "etc.", "dr.", "mr.", "mrs.", "ms.", "st.", "vs.", "approx.",
                  "p. ej.", "sr.", "sra.", "dra.", "núm.")
_WORD = re.compile(r"[A-Za-zÀ-ÖØ-öø-ÿ]+(?:['’][A-Za-zÀ-ÖØ-öø-ÿ]+)*")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"'“¿¡(]?[A-ZÀ-ÖØ-Þ0-9])")
_MARKDOWN = re.compile(r"\[([^\]]*)\]\([^)]*\)|[*_`]+")


def _clean(text: str) -> str:
    """Drop Markdown markers and link targets, keeping the words."""
    return _MARKDOWN.sub(lambda m: m.group(1) or "", text)


def split_sentences(text: str) -> list[str]:
    """Sentences of ``text``; abbreviations and decimals do not end a sentence."""
    text = " ".join(_clean(text).split())
    protected = text
    for abbreviation in _ABBREVIATIONS:
        protected = re.sub(re.escape(abbreviation), lambda m: m.group(0).replace(".", "\0"),
                           protected, flags=re.IGNORECASE)
    protected = re.sub(r"(\d)\.(\d)", "\\1\0\\2", protected)
    parts = [p.replace("\0", ".").strip() for p in _SENTENCE_END.split(protected)]
    return [p for p in parts if _WORD.search(p)]


def words(text: str) -> list[str]:
    """The words of ``text`` (numbers are not words)."""
    return _WORD.findall(_clean(text))


def long_enough(text: str, minimum: int = MIN_WORDS) -> bool:
    """Whether ``text`` has enough words for its grade to be judged reliably."""
    return len(words(text)) >= minimum


# ------------------------------------------------------------------ English syllables

_EN_EXCEPTIONS = {
    "the": 1, "every": 3, "different": 3, "area": 3, "areas": 3, "idea": 3, "ideas": 3,
    "being": 2, "people": 2, "business": 2, "family": 3, "really": 3, "evening": 3,
    "something": 2, "sometimes": 2, "someone": 2, "somewhere": 2, "whole": 1, "one": 1,
    "once": 1, "shoulder": 2, "shoulders": 2, "muscle": 2, "muscles": 2, "lotion": 2,
    "lotions": 2, "cream": 1, "science": 2, "quiet": 2, "create": 2, "created": 3,
    "poem": 2, "lying": 2, "naive": 2, "video": 3, "radio": 3, "piano": 3, "fire": 1,
    "tired": 1, "hour": 1, "hours": 1, "our": 1, "everyone": 3, "toward": 2, "towards": 2,
    "gentle": 2, "comfortable": 4, "temperature": 4, "medicine": 3, "therapist": 3,
    "massage": 2, "massages": 3, "oil": 1, "oils": 1, "fluid": 2, "pain": 1, "spine": 1,
}
_EN_VOWELS = re.compile(r"[aeiouy]+")


def syllables_en(word: str) -> int:
    """Syllables in an English word, by vowel groups with the usual corrections."""
    w = word.lower().replace("’", "'").split("'")[0]
    if not w:
        return 1
    if w in _EN_EXCEPTIONS:
        return _EN_EXCEPTIONS[w]
    if len(w) <= 3:
        return 1
    count = len(_EN_VOWELS.findall(w))
    if w.endswith("e") and not w.endswith(("le", "ee", "ye")) and count > 1:
        count -= 1  # silent final e: make, take (but ta-ble keeps its -le)
    if w.endswith(("ed",)) and not w.endswith(("ted", "ded")) and count > 1:
        count -= 1  # walked, pressed
    if w.endswith("es") and not w.endswith(("ses", "zes", "ches", "shes", "ges", "ces", "xes")) \
            and not re.search(r"[^aeiouy]les$", w) and count > 1:
        count -= 1  # takes, rubbed forms
    # Vowel pairs said as two syllables (tri-al, ra-di-o), but not -tion, -sion, -cian.
    count += len(re.findall(r"(?<![tscxg])i[ao](?!u)|iu|uo|eo", w))
    return max(1, count)


# ------------------------------------------------------------------ Spanish syllables

_ES_STRONG = set("aeoáéíóú")  # accented i/u break a diphthong, so they count as strong
_ES_VOWELS = set("aeiouáéíóúü")


def syllables_es(word: str) -> int:
    """Syllables in a Spanish word: vowel nuclei, with diphthongs and hiatus."""
    w = word.lower()
    w = re.sub(r"(?<=[qg])u(?=[eiéí])", "", w)  # que, gui: the u is silent
    count, previous = 0, ""
    for char in w:
        if char not in _ES_VOWELS:
            previous = ""
            continue
        if previous and not (previous in _ES_STRONG and char in _ES_STRONG):
            # weak+any or strong+weak: one syllable (a diphthong), nothing to add
            previous = char
            continue
        count += 1
        previous = char
    return max(1, count)


# ------------------------------------------------------------------ formulas

def fk_grade_from_counts(n_words: int, n_sentences: int, n_syllables: int) -> float:
    """Flesch–Kincaid grade level (Kincaid et al., 1975)."""
    return 0.39 * n_words / n_sentences + 11.8 * n_syllables / n_words - 15.59


def fh_score_from_counts(n_words: int, n_sentences: int, n_syllables: int) -> float:
    """Fernández-Huerta reading ease (1959): 206.84 − 0.60·P − 1.02·F.

    P is syllables per 100 words and F the average words per sentence. (F is often
    misquoted as "sentences per 100 words", which makes longer sentences score as
    *easier*; G. Law, "Error in the Fernández Huerta readability formula", 2011, shows
    the original is the Flesch formula's sentence-length term.)
    """
    syllables_per_100 = 100 * n_syllables / n_words
    words_per_sentence = n_words / n_sentences
    return 206.84 - 0.60 * syllables_per_100 - 1.02 * words_per_sentence


#: Fernández-Huerta ease → approximate US school grade. The scale's own bands are
#: 90–100 "muy fácil" (4th grade), 80–90 "fácil" (5th), 70–80 "bastante fácil" (6th),
#: 60–70 "normal" (7th–8th), 50–60 "bastante difícil" (high school), 30–50 "difícil"
#: (college), 0–30 "muy difícil" (graduate); each band's midpoint is anchored to its
#: grade and the points are joined linearly, so the result can be thresholded.
_FH_BANDS = ((100, 3.5), (95, 4.0), (85, 5.0), (75, 6.0), (65, 7.5), (55, 10.5), (40, 14.0),
             (15, 17.0), (0, 18.0))


def fernandez_huerta_grade(score: float) -> float:
    """An approximate grade for a Fernández-Huerta score, continuous so it can be thresholded."""
    if score >= _FH_BANDS[0][0]:
        return _FH_BANDS[0][1]
    for (high, g_high), (low, g_low) in itertools.pairwise(_FH_BANDS):
        if score >= low:
            return g_low + (score - low) / (high - low) * (g_high - g_low)
    return _FH_BANDS[-1][1]


def _counts(text: str, language: str) -> tuple[int, int, int]:
    counter = {"en": syllables_en, "es": syllables_es}.get(language.split("-")[0])
    if counter is None:
        raise ValueError(f"no reading-level formula for language '{language}' "
                         "(supported: en, es)")
    ws = words(text)
    return max(1, len(ws)), max(1, len(split_sentences(text))), sum(counter(w) for w in ws)


def grade(text: str, language: str) -> float:
    """The US school grade needed to read ``text``: FK for English, FH for Spanish."""
    n_words, n_sentences, n_syllables = _counts(text, language)
    if language.startswith("es"):
        return fernandez_huerta_grade(fh_score_from_counts(n_words, n_sentences, n_syllables))
    return fk_grade_from_counts(n_words, n_sentences, n_syllables)


@dataclass(frozen=True)
class SentenceScore:
    """One sentence and its grade on its own."""

    text: str
    grade: float


def hardest_sentences(text: str, language: str, n: int = 3) -> list[SentenceScore]:
    """The ``n`` sentences with the highest grade, hardest first."""
    scored = [SentenceScore(s, grade(s, language)) for s in split_sentences(text)]
    return sorted(scored, key=lambda s: -s.grade)[:n]


def longest_words(text: str, n: int = 5, language: str = "en") -> list[str]:
    """The ``n`` longest distinct words (by syllables, then letters)."""
    counter = syllables_es if language.startswith("es") else syllables_en
    unique = {w.lower(): w for w in words(text)}
    ranked = sorted(unique.values(), key=lambda w: (-counter(w), -len(w), w.lower()))
    return ranked[:n]
