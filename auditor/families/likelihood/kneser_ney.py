"""Interpolated Kneser-Ney n-gram language model over word ids, counted with NumPy.

Why this shape:

* Speed. Everything is array work: an n-gram is an integer id built from the id of its
  (n-1)-word suffix and its first word (``suffix_id * W + word``, W symbols), so each order
  is one ``np.unique`` when fitting and one hashed lookup when scoring
  (:class:`~auditor.families.likelihood.lookup.KeyIndex`). No Python loop
  ever runs over n-grams; fitting 100k tokens and scoring 1M takes well under a second.
  Ids are exact (no hashing), so the probabilities are exactly the formulas below.
* Documents, not a token stream. Each document is padded with ``order - 1`` BOS symbols and
  ends with one EOS; the model predicts every word and the EOS, never a BOS, and no n-gram
  crosses documents. Only n-grams that end at a predicted symbol are counted.
* Two smoothing modes. ``discount=None`` (the default used by the family) is interpolated
  *modified* Kneser-Ney (Chen & Goodman 1998): three discounts D1, D2, D3+ per order from that
  order's count-of-counts, the lowest order interpolated with the uniform distribution over the
  vocabulary plus EOS and UNK, so an unseen word keeps some probability. ``discount=D`` is
  NLTK's ``KneserNeyInterpolated(order, discount=D)``: one discount at every order above the
  unigrams and undiscounted unigram continuation counts (an unknown word gets probability 0
  there, as in NLTK). Tests check that mode against NLTK to 1e-9, fed the same n-grams.

Formulas, for order k with context h (the k-1 previous symbols), count c (raw counts at the
highest order, continuation counts ``N1+(. h w)`` below it) and ``D(c)`` the discount of a
count (0 for c = 0)::

    P_k(w | h) = max(c(h w) - D(c(h w)), 0) / c(h .)  +  gamma(h) * P_{k-1}(w | h')
    gamma(h)   = (D1 N1(h .) + D2 N2(h .) + D3+ N3+(h .)) / c(h .)

where h' drops h's oldest word; an unseen context (c(h .) = 0) defers to P_{k-1} alone.
Modified discounts, with n_r the number of order-k n-grams of count r:
``Y = n1 / (n1 + 2 n2)``, ``D1 = 1 - 2Y n2/n1``, ``D2 = 2 - 3Y n3/n2``, ``D3+ = 3 - 4Y n4/n3``;
on data too small for one of them, the previous one is used, and each ``D_r`` is kept in
``[MIN_DISCOUNT, r]`` so every distribution sums to 1 and unseen events keep some mass.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from auditor.errors import Errors, UsageError
from auditor.families.likelihood.lookup import KeyIndex

MAX_ORDER = 6
MIN_DISCOUNT = 0.01
"""Smallest modified discount: a zero discount would give unseen events no probability."""


@dataclass(frozen=True)
class KneserNey:
    """A fitted interpolated Kneser-Ney model (see module docstring). Build it with :meth:`fit`.

    Symbols: words ``0 .. n_words - 1`` (the fit text's word types), then :attr:`eos`,
    :attr:`unk` and :attr:`bos`. A distribution is over the words, EOS and UNK.
    """

    order: int
    n_words: int
    discount: float | None
    """The single discount (NLTK's mode), or None for modified Kneser-Ney."""
    discounts: np.ndarray
    """Shape (order, 3): D1, D2, D3+ of each order, lowest first (row 0: unigrams; zeros in NLTK's mode)."""
    keys: tuple[np.ndarray, ...]
    """Per order m = 2..order: sorted ``suffix_id * W + first_word`` of every known m-gram."""
    counts: tuple[np.ndarray, ...]
    """Per order k = 2..order: the count of each k-gram id (raw at the top, continuation below)."""
    context_total: tuple[np.ndarray, ...]
    """Per order k = 2..order: ``c(h .)`` of each (k-1)-gram id h."""
    context_gamma: tuple[np.ndarray, ...]
    """Per order k = 2..order: ``D1 N1(h .) + D2 N2(h .) + D3+ N3+(h .)`` of each (k-1)-gram id h."""
    unigram: np.ndarray
    """P_1 of every symbol (0 for BOS)."""
    fit_tokens: int

    @property
    def eos(self) -> int:
        """The end-of-document symbol."""
        return self.n_words

    @property
    def unk(self) -> int:
        """The symbol of every word the fit text does not have."""
        return self.n_words + 1

    @property
    def bos(self) -> int:
        """The padding before a document (never predicted)."""
        return self.n_words + 2

    @property
    def n_symbols(self) -> int:
        """W: words, EOS, UNK and BOS."""
        return self.n_words + 3

    @property
    def outcomes(self) -> np.ndarray:
        """Every symbol a distribution covers: the words, EOS and UNK."""
        return np.arange(self.n_words + 2)

    @classmethod
    def fit(
        cls, tokens: np.ndarray, offsets: np.ndarray, n_words: int, *, order: int = 3, discount: float | None = None
    ) -> KneserNey:
        """Fit on documents of word ids ``0 .. n_words - 1`` (``tokens`` flat, ``offsets`` per document)."""
        _check(order, discount)
        w = n_words + 3
        windows = document_windows(tokens, offsets, order, eos=n_words, bos=n_words + 2)
        n = len(windows)
        if n == 0:
            raise ValueError("cannot fit a language model on no documents")
        # ids of the m-grams ending at the predicted symbol (target) and at the symbol before it (context)
        target: list[np.ndarray] = [np.zeros(0, np.int64), windows[:, order - 1]]
        context: list[np.ndarray] = [np.zeros(0, np.int64), windows[:, order - 2]] if order > 1 else []
        keys: list[np.ndarray] = []
        for m in range(2, order + 1):
            parts = [target[m - 1] * w + windows[:, order - m]]
            if m <= order - 1:
                parts.append(context[m - 1] * w + windows[:, order - 1 - m])
            uniq, inverse = np.unique(np.concatenate(parts), return_inverse=True)
            keys.append(uniq)
            target.append(inverse[:n])
            if m <= order - 1:
                context.append(inverse[n:])
        sizes = [w] + [len(k) for k in keys]  # sizes[m - 1]: number of m-gram ids

        counts: dict[int, np.ndarray] = {order: np.bincount(target[order], minlength=sizes[order - 1])}
        for k in range(order - 1, 0, -1):  # continuation counts: distinct left extensions
            higher = np.unique(target[k + 1])
            counts[k] = np.bincount(keys[k - 1][higher] // w, minlength=sizes[k - 1])

        discounts = np.zeros((order, 3))
        for k in range(1, order + 1):
            if discount is None:
                discounts[k - 1] = modified_discounts(counts[k])
            elif k > 1:  # NLTK leaves the unigrams undiscounted
                discounts[k - 1] = discount

        level_counts, totals, gammas = [], [], []
        for k in range(2, order + 1):
            prefix = np.zeros(sizes[k - 1], dtype=np.int64)
            prefix[target[k]] = context[k - 1]
            seen = np.flatnonzero(counts[k])
            c = counts[k][seen]
            pre = prefix[seen]
            size = sizes[k - 2]
            total = np.bincount(pre, weights=c, minlength=size)
            n1, n2, n3 = (np.bincount(pre[mask], minlength=size) for mask in (c == 1, c == 2, c >= 3))
            d1, d2, d3 = discounts[k - 1]
            gamma = discount * (n1 + n2 + n3) if discount is not None else d1 * n1 + d2 * n2 + d3 * n3
            level_counts.append(counts[k])
            totals.append(total)
            gammas.append(gamma.astype(np.float64))

        c1 = counts[1].astype(np.float64)
        if discount is not None:  # NLTK: undiscounted continuation counts at the lowest order
            unigram = c1 / c1.sum()
        else:
            taken = _discount_of(counts[1], discounts[0])
            unigram = (c1 - taken) / c1.sum() + taken.sum() / c1.sum() / (n_words + 2)
            unigram[n_words + 2] = 0.0  # BOS is never predicted
        return cls(
            order,
            n_words,
            discount,
            discounts,
            tuple(keys),
            tuple(level_counts),
            tuple(totals),
            tuple(gammas),
            unigram,
            len(tokens),
        )

    def probabilities(self, windows: np.ndarray) -> np.ndarray:
        """P(last symbol | the ``order - 1`` before it) for each row of ``windows`` (shape (N, order))."""
        windows = np.asarray(windows, dtype=np.int64)
        order, w = self.order, self.n_symbols
        target = [np.zeros(0, np.int64), windows[:, order - 1]]
        context = [np.zeros(0, np.int64), windows[:, order - 2]] if order > 1 else []
        # A row that continues the one before it (the same text one symbol on, as in a document)
        # has for context m-gram the m-gram the row before predicted: looked up once, not twice.
        fresh = np.zeros(0, dtype=np.int64)
        if order > 2 and len(windows):
            follows = np.ones(len(windows) - 1, dtype=bool)
            for j in range(order - 1):  # column by column: np.all(axis=1) over a few columns is slow
                follows &= windows[1:, j] == windows[:-1, j + 1]
            fresh = np.flatnonzero(np.r_[True, ~follows])
        for m in range(2, order + 1):
            target.append(_lookup(self._key_index[m - 2], target[m - 1], windows[:, order - m], w))
            if m <= order - 1:
                ctx = np.empty(len(windows), dtype=np.int64)
                ctx[1:] = target[m][:-1]
                ctx[fresh] = _lookup(self._key_index[m - 2], context[m - 1][fresh], windows[fresh, order - 1 - m], w)
                context.append(ctx)
        p = self.unigram[windows[:, order - 1]]
        for k in range(2, order + 1):
            h = context[k - 1]  # -1 (unknown) reads each table's last entry, a 0 appended to it
            total = self._padded[0][k - 2][h]
            c = self._padded[1][k - 2][target[k]]
            table = np.array([0.0, *self.discounts[k - 1]])
            known = total > 0
            denominator = np.where(known, total, 1.0)
            alpha = np.maximum(c - table[np.minimum(c, 3)], 0.0) / denominator
            gamma = self._padded[2][k - 2][h] / denominator
            p = np.where(known, alpha + gamma * p, p)
        return p

    @cached_property
    def _padded(self) -> tuple[tuple[np.ndarray, ...], ...]:
        """:attr:`context_total`, :attr:`counts` and :attr:`context_gamma` with a 0 appended, for id -1."""
        return tuple(
            tuple(np.append(a, a.dtype.type(0)) for a in tables)
            for tables in (self.context_total, self.counts, self.context_gamma)
        )

    @cached_property
    def _key_index(self) -> tuple[KeyIndex, ...]:
        """:attr:`keys` of each order, indexed for lookups (built at the first scoring)."""
        return tuple(KeyIndex(k) for k in self.keys)

    def __getstate__(self) -> dict[str, object]:
        """Pickled (to a worker) without what the first scoring builds again there."""
        return {k: v for k, v in self.__dict__.items() if k not in ("_key_index", "_padded")}

    def log_probabilities(self, tokens: np.ndarray, offsets: np.ndarray) -> np.ndarray:
        """Natural log-probability of every predicted symbol of the documents (each word, then EOS),
        document by document: ``lengths + 1`` values per document. Tokens are model symbols."""
        windows = document_windows(tokens, offsets, self.order, eos=self.eos, bos=self.bos)
        with np.errstate(divide="ignore"):
            return np.log(self.probabilities(windows))

    def document_log_perplexity(self, tokens: np.ndarray, offsets: np.ndarray) -> np.ndarray:
        """Per document: the mean negative log-probability (nats) of its words and its EOS."""
        lengths = np.diff(offsets) + 1
        doc = np.repeat(np.arange(len(lengths)), lengths)
        return -np.bincount(doc, weights=self.log_probabilities(tokens, offsets), minlength=len(lengths)) / lengths


def document_windows(tokens: np.ndarray, offsets: np.ndarray, order: int, *, eos: int, bos: int) -> np.ndarray:
    """The ``order`` symbols ending at each predicted position: shape (tokens + documents, order).

    Each document is padded with ``order - 1`` BOS and closed by one EOS; rows are in document
    order, each document's words then its EOS.
    """
    tokens = np.asarray(tokens, dtype=np.int64)
    offsets = np.asarray(offsets, dtype=np.int64)
    lengths = np.diff(offsets)
    n_docs = len(lengths)
    padded = np.full(len(tokens) + n_docs * order, bos, dtype=np.int64)
    doc = np.repeat(np.arange(n_docs, dtype=np.int64), lengths)
    padded[np.arange(len(tokens)) + order * doc + order - 1] = tokens
    padded[offsets[1:] + order * np.arange(n_docs) + order - 1] = eos
    predicted = np.flatnonzero(padded != bos)
    return sliding_window_view(padded, order)[predicted - (order - 1)]


def modified_discounts(counts: np.ndarray) -> tuple[float, float, float]:
    """Chen & Goodman's D1, D2, D3+ from the count-of-counts of one order (see module docstring)."""
    n1, n2, n3, n4 = (int(np.count_nonzero(counts == r)) for r in (1, 2, 3, 4))
    y = n1 / (n1 + 2 * n2) if n1 + n2 > 0 else 0.5
    d1 = 1 - 2 * y * n2 / n1 if n1 > 0 else y
    d2 = 2 - 3 * y * n3 / n2 if n2 > 0 else d1
    d3 = 3 - 4 * y * n4 / n3 if n3 > 0 else d2
    return _clip(d1, 1), _clip(d2, 2), _clip(d3, 3)


def _clip(d: float, r: int) -> float:
    """A discount of count r kept in [MIN_DISCOUNT, r]: at most the count, never zero."""
    return float(min(max(d, MIN_DISCOUNT), r))


def _discount_of(counts: np.ndarray, discounts: np.ndarray) -> np.ndarray:
    """D(c) of each count: 0, D1, D2 or D3+."""
    return np.array([0.0, *discounts])[np.minimum(counts, 3)]


def _lookup(keys: KeyIndex, suffix: np.ndarray, first: np.ndarray, w: int) -> np.ndarray:
    """The id of each (first word, suffix id) n-gram among ``keys``, or -1 when unknown (as when
    the suffix is: its key, ``-w + first``, is negative, never a known one)."""
    return keys.find(suffix * w + first)


def _check(order: object, discount: object) -> None:
    if isinstance(order, bool) or not isinstance(order, int) or not 1 <= order <= MAX_ORDER:
        raise UsageError(Errors.E060.format(maximum=MAX_ORDER, value=order))
    if discount is not None and (
        isinstance(discount, bool) or not isinstance(discount, (int, float)) or not 0 < discount <= 1
    ):
        raise UsageError(Errors.E061.format(value=discount))
