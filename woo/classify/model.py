"""The classifier model: features, training, prediction with reasons, and a pickle-free file format.

Score of category c for a document:

    logit[c] = linear_model[c](word n-grams, char n-grams, cue indicators) + alpha * prior[c]

where ``prior[c]`` sums the legal-definition weights of the cues of c that occur (cues.py). The
prior is what lets the categories without training examples (subsidieverplichtingen anders dan met
beschikking, art. 3.1) be chosen at all. Probabilities are softmax(logit / temperature).

The file is a compressed ``.npz`` of plain arrays (no pickle), loaded with ``allow_pickle=False``.
"""
from __future__ import annotations

import hashlib
import io
import math
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.linear_model import LogisticRegression

from . import categories as cats
from .cues import CUES, TITLE_CHARS, find, fire, head_text, muted
from .text import (HEAD_CHARS, MODEL_CHARS, TAIL_CHARS, TextQuality, bounded, clean, for_ngrams, mask_names, mask_release_marks,
                   quality, tabular, untable)

FORMAT_VERSION = 1
CHAR_CHARS = 4_000  # character n-grams read only the start: OCR-robust, and cheap
WORD_TOKEN = r"(?u)\b[^\W\d_]{2,}\b"

DEFAULT_PARAMS = {
    "C": 10.0,
    "alpha": 2.0,  # weight of the legal-definition prior (chosen by cross-validation: 0.5..4 tried)
    "temperature": 3.0,  # softens over-confident linear scores (cross-validated: 1, 2, 3)
    "cue_scale": 0.5,  # value of a fired cue indicator in the linear model
    "char_scale": 1.0,
    "word_scale": 1.0,
    "max_word_features": 12_000,
    "max_char_features": 12_000,
    "min_groups": 4,  # an n-gram must occur in documents of >= this many sources (LOSO: 2, 3, 4 equal; 4 is
    # the least source-specific)
}


@dataclass
class Prepared:
    """A document as the model sees it (all bounded in size)."""

    body: str  # cleaned and bounded, original case
    head: str  # title + properties + filename + first page
    described: str  # title and document properties only (what the file says about itself)
    title_zone: str  # title, properties, filename and the first lines
    quality: TextQuality
    fired: dict[str, int]
    release_marks: int = 0  # release stamps and redaction marks masked before the features
    table: bool = False  # a table exported as text (CSV, spreadsheet)


def prepare(text: str, title: str | None = None, filename: str | None = None,
            properties: dict | None = None) -> Prepared:
    text = text or ""
    if len(text) > 4 * MODEL_CHARS + 2 * TAIL_CHARS:  # no more than the reading below ever uses
        text = text[: 4 * MODEL_CHARS] + "\n" + text[-2 * TAIL_CHARS:]
    text, marks = mask_release_marks(text)
    table = tabular(text)
    if table:
        text = untable(text)
    # clean only what can be read: the start (markup removal shortens it) and the tail
    if len(text) > 2 * (MODEL_CHARS + TAIL_CHARS):
        start = clean(text[: 3 * MODEL_CHARS // 2])
        if len(start) < MODEL_CHARS:  # much markup: read further
            start = clean(text[: 4 * MODEL_CHARS])
        cleaned = start + "\n" + clean(text[-2 * TAIL_CHARS:])[-TAIL_CHARS:]
    else:
        cleaned = clean(text)
    body = bounded(cleaned)
    head = head_text(body, title=title, filename=filename, properties=properties)
    described = head_text("", title=title, properties=properties)
    title_zone = head[: len(head) - len(body[:HEAD_CHARS])] + body[:TITLE_CHARS]
    return Prepared(body=body, head=head, described=described, title_zone=title_zone, quality=quality(cleaned),
                    fired=fire(head, body, title_zone, table=table), release_marks=marks, table=table)


def _word_vectorizer(vocabulary=None, min_df=1):
    return CountVectorizer(lowercase=False, token_pattern=WORD_TOKEN, ngram_range=(1, 2),
                           vocabulary=vocabulary, min_df=min_df, dtype=np.float32)


def _char_vectorizer(vocabulary=None, min_df=1):
    return CountVectorizer(lowercase=False, analyzer="char_wb", ngram_range=(3, 5),
                           vocabulary=vocabulary, min_df=min_df, dtype=np.float32)


def _word_input(doc: Prepared) -> str:
    # the filename is left out of the n-grams on purpose: names are too often a source's habit
    return for_ngrams(mask_names(doc.described + "\n" + doc.body))


def _char_input(doc: Prepared) -> str:
    return for_ngrams(mask_names(doc.body[:CHAR_CHARS]))


def _tfidf(counts: sparse.csr_matrix, idf: np.ndarray, scale: float) -> sparse.csr_matrix:
    """Sublinear tf x idf, each row scaled to length ``scale`` (done on the raw arrays: fast)."""
    m = counts.tocsr().astype(np.float32)
    data = (1.0 + np.log(m.data)) * idf[m.indices]
    rows = np.repeat(np.arange(m.shape[0]), np.diff(m.indptr))
    norms = np.sqrt(np.bincount(rows, weights=data * data, minlength=m.shape[0]))
    norms[norms == 0] = 1.0
    data = (data * (scale / norms[rows])).astype(np.float32)
    return sparse.csr_matrix((data, m.indices, m.indptr), shape=m.shape)


def _select_vocab(vectorizer, texts: list[str], groups: list[str], max_features: int, min_groups: int):
    """Vocabulary of n-grams seen in >= min_groups sources, the most widespread first.

    Counting sources rather than documents keeps a phrase that only one publisher uses (a
    letterhead, a name) from deciding a category.
    """
    counts = vectorizer.fit_transform(texts).tocsr()
    terms = vectorizer.get_feature_names_out()
    group_ids = {g: i for i, g in enumerate(sorted(set(groups)))}
    membership = sparse.csr_matrix(
        (np.ones(len(groups), dtype=np.float32), ([group_ids[g] for g in groups], np.arange(len(groups)))),
        shape=(len(group_ids), len(groups)))
    present = (counts > 0).astype(np.float32)
    n_groups = np.diff(((membership @ present) > 0).tocsc().indptr)  # sources per term
    doc_freq = np.diff(present.tocsc().indptr)
    keep = np.where(n_groups >= min_groups)[0]
    # most widespread first; ties broken by the term itself so the result is deterministic
    order = sorted(keep.tolist(), key=lambda j: (-int(n_groups[j]), -int(doc_freq[j]), terms[j]))[:max_features]
    columns = sorted(order)  # terms are sorted, so this keeps the vocabulary in sorted order
    return [str(terms[j]) for j in columns], counts[:, columns]


def _idf(counts: sparse.csr_matrix) -> np.ndarray:
    n = counts.shape[0]
    df = np.diff(counts.tocsc().indptr)
    return (np.log((1.0 + n) / (1.0 + df)) + 1.0).astype(np.float32)


@dataclass
class Model:
    classes: list[str]  # TOOI URIs the linear part was trained on
    word_vocab: list[str]
    word_idf: np.ndarray
    char_vocab: list[str]
    char_idf: np.ndarray
    coef: np.ndarray  # (len(classes), n_features)
    intercept: np.ndarray
    params: dict
    info: dict = field(default_factory=dict)

    def __post_init__(self):
        self.cue_ids = [c.id for c in CUES]
        self._word = _word_vectorizer(vocabulary={t: i for i, t in enumerate(self.word_vocab)})
        self._char = _char_vectorizer(vocabulary={t: i for i, t in enumerate(self.char_vocab)})
        self.all_uris = [c.uri for c in cats.categories()]
        self._class_index = {u: i for i, u in enumerate(self.classes)}
        slug_to_uri = {c.slug: c.uri for c in cats.categories()}
        # prior matrix: cue x category
        self._prior = np.zeros((len(CUES), len(self.all_uris)), dtype=np.float32)
        for i, cue in enumerate(CUES):
            if cue.category is not None:  # form cues are features only
                self._prior[i, self.all_uris.index(slug_to_uri[cue.category])] = cue.weight

    # ---- features ----
    @property
    def n_features(self) -> int:
        return len(self.word_vocab) + len(self.char_vocab) + len(CUES)

    def features(self, docs: Sequence[Prepared], counts=None) -> sparse.csr_matrix:
        p = self.params
        if counts is None:
            counts = (self._word.transform([_word_input(d) for d in docs]),
                      self._char.transform([_char_input(d) for d in docs]))
        words = _tfidf(counts[0], self.word_idf, p["word_scale"])
        chars = _tfidf(counts[1], self.char_idf, p["char_scale"])
        cue_rows = np.zeros((len(docs), len(CUES)), dtype=np.float32)
        for r, d in enumerate(docs):
            for i, cid in enumerate(self.cue_ids):
                if cid in d.fired:
                    cue_rows[r, i] = p["cue_scale"]
        return sparse.hstack([words, chars, sparse.csr_matrix(cue_rows)], format="csr")

    def prior(self, docs: Sequence[Prepared]) -> np.ndarray:
        rows = []
        for d in docs:
            off = muted(d.fired)
            rows.append([1.0 if cid in d.fired and cid not in off else 0.0 for cid in self.cue_ids])
        return np.array(rows, dtype=np.float32).reshape(len(docs), len(self.cue_ids)) @ self._prior

    # ---- scores ----
    def logits(self, docs: Sequence[Prepared], X: sparse.csr_matrix | None = None) -> np.ndarray:
        """Scores over all TOOI categories (columns in CSV order)."""
        X = self.features(docs) if X is None else X
        linear = np.asarray(X @ self.coef.T) + self.intercept
        full = np.empty((len(docs), len(self.all_uris)), dtype=np.float64)
        floor = linear.min(axis=1)  # categories without examples get no learned support
        for j, uri in enumerate(self.all_uris):
            full[:, j] = linear[:, self._class_index[uri]] if uri in self._class_index else floor
        return full + self.params["alpha"] * self.prior(docs)

    def probabilities(self, docs: Sequence[Prepared], X=None) -> np.ndarray:
        z = self.logits(docs, X) / self.params["temperature"]
        z -= z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)

    # ---- explanation ----
    def explain(self, doc: Prepared, x_row: sparse.csr_matrix, uri: str, limit_words: int = 6) -> list[str]:
        cat = cats.by_uri(uri)
        reasons: list[str] = []
        off = muted(doc.fired)
        cues_here = [c for c in CUES if c.id in doc.fired and c.id not in off and c.category == cat.slug]
        cues_here.sort(key=lambda c: (-c.weight, c.id))
        seen = set()
        for cue in cues_here:
            base = cue.id.removesuffix("_titel")  # the same cue in the title and on the first page: say it once
            if base in seen:
                continue
            seen.add(base)
            if len(seen) > 4:
                break
            where = {"title": "", "head": " op de eerste pagina", "body": " in de tekst"}[cue.where]
            found = None if cue.derived else find(cue, {"title": doc.title_zone, "head": doc.head,
                                                        "body": doc.body}[cue.where])
            snippet = f' ("{" ".join(found.split())[:60]}")' if found else ""
            reasons.append(f"{cue.reason}{snippet}{where} wijst op '{cat.label}'.")
        if uri in self._class_index:
            row = self.coef[self._class_index[uri]]
            x = x_row.tocsr()
            n_word = len(self.word_vocab)
            contrib = [(float(v * row[j]), j) for j, v in zip(x.indices, x.data) if j < n_word]
            contrib = [(c, j) for c, j in contrib if c > 0]
            contrib.sort(key=lambda t: (-t[0], t[1]))
            # "naam" stands for masked names: no reason to show an officer
            words = [w for w in (self.word_vocab[j] for _, j in contrib) if "naam" not in w.split()][:limit_words]
            if words:
                reasons.append(f"Woorden in de tekst die volgens het model bij '{cat.label}' horen: "
                               + ", ".join(f'"{w}"' for w in words) + ".")
        else:
            reasons.append(f"Het trainingscorpus heeft geen voorbeelden van '{cat.label}'; de keuze volgt uit "
                           f"kenmerken uit de wettelijke omschrijving (Woo art. {cat.article}).")
        return reasons

    # ---- persistence (no pickle) ----
    def save(self, path: str | Path) -> None:
        arrays = {
            "format_version": np.array(FORMAT_VERSION),
            "classes": _pack(self.classes),
            "word_vocab": _pack(self.word_vocab),
            "word_idf": self.word_idf.astype(np.float32),
            "char_vocab": _pack(self.char_vocab),
            "char_idf": self.char_idf.astype(np.float32),
            "cue_ids": _pack(self.cue_ids),
            "coef": self.coef.astype(np.float32),
            "intercept": self.intercept.astype(np.float32),
            "params": _pack([json.dumps(self.params, sort_keys=True)]),
            "info": _pack([json.dumps(self.info, sort_keys=True, ensure_ascii=False)]),
        }
        buf = io.BytesIO()
        np.savez_compressed(buf, **arrays)
        Path(path).write_bytes(buf.getvalue())

    @classmethod
    def load(cls, path: str | Path) -> "Model":
        with np.load(str(path), allow_pickle=False) as z:
            if int(z["format_version"]) != FORMAT_VERSION:
                raise ValueError(f"Onbekende versie van het modelbestand: {int(z['format_version'])}")
            cue_ids = _unpack(z["cue_ids"])
            model = cls(
                classes=_unpack(z["classes"]),
                word_vocab=_unpack(z["word_vocab"]),
                word_idf=z["word_idf"],
                char_vocab=_unpack(z["char_vocab"]),
                char_idf=z["char_idf"],
                coef=z["coef"],
                intercept=z["intercept"],
                params=json.loads(_unpack(z["params"])[0]),
                info=json.loads(_unpack(z["info"])[0]),
            )
        if cue_ids != model.cue_ids:
            # the cue list changed since training: the cue columns would be misread
            raise ValueError("Het modelbestand hoort bij een andere lijst kenmerken (cues); train het model opnieuw.")
        return model


def _pack(strings: Sequence[str]) -> np.ndarray:
    for s in strings:
        if "\x00" in s:
            raise ValueError("NUL in string")
    return np.frombuffer("\x00".join(strings).encode("utf-8"), dtype=np.uint8)


def _unpack(arr: np.ndarray) -> list[str]:
    data = arr.tobytes().decode("utf-8")
    return data.split("\x00") if data else []


Example = tuple[str, dict, str]  # (text, meta, category URI or label)


def prepare_example(text: str, meta: dict | None) -> Prepared:
    meta = meta or {}
    return prepare(text, title=meta.get("title"), filename=meta.get("filename"), properties=meta.get("properties"))


def train(examples: Iterable[Example], params: dict | None = None, *, prepared: Sequence[Prepared] | None = None) -> Model:
    """Build a model from (text, meta, category) examples. Deterministic for the same input.

    ``meta`` may hold title, filename, properties and ``group`` (the source/publisher; n-grams must
    occur in documents of at least ``min_groups`` groups; without a group each document is its own).
    """
    p = dict(DEFAULT_PARAMS)
    p.update(params or {})
    examples = list(examples)
    if not examples:
        raise ValueError("Geen trainingsvoorbeelden.")
    docs = list(prepared) if prepared is not None else [prepare_example(t, m) for t, m, _ in examples]
    labels = [cats.resolve(c).uri for _, _, c in examples]
    groups = [str((m or {}).get("group") or f"doc{i}") for i, (_, m, _) in enumerate(examples)]
    classes = [u for u in (c.uri for c in cats.categories()) if u in set(labels)]
    if len(classes) < 2:
        raise ValueError("Er zijn voorbeelden van minstens twee categorieën nodig.")

    # n-grams must be shared by min_groups sources, but never by more than a quarter of them (at least 2): a small
    # training set with three sources keeps its vocabulary
    min_groups = min(int(p["min_groups"]), max(2, math.ceil(len(set(groups)) / 4)))
    word_texts = [_word_input(d) for d in docs]
    char_texts = [_char_input(d) for d in docs]
    word_vocab, word_counts = _select_vocab(_word_vectorizer(), word_texts, groups, p["max_word_features"],
                                            min_groups)
    char_vocab, char_counts = _select_vocab(_char_vectorizer(), char_texts, groups, p["max_char_features"],
                                            min_groups)

    model = Model(classes=classes, word_vocab=word_vocab, word_idf=_idf(word_counts), char_vocab=char_vocab,
                  char_idf=_idf(char_counts), coef=np.zeros((len(classes), 0), dtype=np.float32),
                  intercept=np.zeros(len(classes), dtype=np.float32), params=p)
    X = model.features(docs, counts=(word_counts, char_counts))
    y = np.array([classes.index(u) for u in labels])
    lr = LogisticRegression(C=p["C"], class_weight="balanced", max_iter=5000, tol=1e-6, random_state=0)
    lr.fit(X, y)
    coef = lr.coef_.astype(np.float32)
    intercept = lr.intercept_.astype(np.float32)
    model.coef, model.intercept = coef, intercept
    digest = hashlib.sha256()
    for (text, _, _), uri in zip(examples, labels):
        digest.update(hashlib.sha256((text or "").encode("utf-8", "replace")).digest() + uri.encode())
    counts = {u: labels.count(u) for u in classes}
    model.info = {"documents": len(examples), "per_category": counts, "training_sha256": digest.hexdigest()}
    return model
