"""Valid battles as numpy columns, accumulated chunk by chunk from decoded records."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import chain, compress
from operator import attrgetter, eq
from typing import TYPE_CHECKING, Any, Literal

import msgspec

from .formats import WINNER_CODES

if TYPE_CHECKING:
    import numpy as np


@dataclass
class BattleLog:
    """Valid battles as arrays (indices into `models`) plus what was rejected and why."""

    models: list[str]
    model_a: np.ndarray
    model_b: np.ndarray
    outcome: np.ndarray
    anony: np.ndarray  # bool; records without the field count as not anonymous
    tstamp: np.ndarray  # float, NaN when missing
    categories: list[frozenset[str]]  # all empty unless read with categories=True
    style_a: np.ndarray  # (n, 4) length, headers, lists, bold; NaN when absent or not read
    style_b: np.ndarray
    rejected: dict[str, int] = field(default_factory=dict)
    # Battle id per row (the file's question_id: rows are votes sharing battles); None when no
    # row has one or it was not read. Rows without one are battles of their own.
    battle: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.outcome)

    def subset(self, keep: np.ndarray) -> BattleLog:
        import numpy as np  # only column work needs it; `import` reads records without

        idx = np.flatnonzero(keep)
        return BattleLog(
            self.models,
            self.model_a[idx],
            self.model_b[idx],
            self.outcome[idx],
            self.anony[idx],
            self.tstamp[idx],
            [self.categories[k] for k in idx],
            self.style_a[idx],
            self.style_b[idx],
            dict(self.rejected),
            None if self.battle is None else self.battle[idx],
        )


def battle_struct(want: Wanted, names: tuple[str, ...] = ()) -> type:
    """The struct a record decodes into. With `names`, model names must be one of them: msgspec
    then hands back those very str objects, so nothing is allocated per name and the lookups
    that turn names into indices hit cached hashes (roughly halves the time spent per record)."""
    name = Literal[names] if names else str
    fields: list[tuple] = [
        ("model_a", name),
        ("model_b", name),
        ("winner", Literal[tuple(WINNER_CODES)]),  # the spellings arenabot import accepts
    ]
    if want.anony:
        fields.append(("anony", bool, False))
    if want.tstamp:
        fields.append(("tstamp", float, math.nan))
    style, categories = want.style, want.categories
    if style:
        fields.append(("conv_metadata", object, None))
    if categories:
        fields += [
            ("category_tag", object, msgspec.UNSET),
            ("categories", object, None),
            ("is_code", object, None),
            ("language", object, None),
            ("turn", object, None),
        ]
    if want.battle:
        fields.append(("question_id", object, None))
    return msgspec.defstruct("Battle", fields, gc=False)


def _sum_counts(value) -> float:
    """conv_metadata counts are numbers or dicts of numbers (e.g. {"h1": 2, "h2": 1})."""
    if isinstance(value, dict):
        return float(sum(float(v) for v in value.values()))
    return float(value)


_NAN4 = (math.nan,) * 4


def style_of(meta) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """(a, b) style features from conv_metadata; NaNs when absent or malformed."""
    try:
        a = (
            float(meta["sum_assistant_a_tokens"]),
            _sum_counts(meta["header_count_a"]),
            _sum_counts(meta["list_count_a"]),
            _sum_counts(meta["bold_count_a"]),
        )
        b = (
            float(meta["sum_assistant_b_tokens"]),
            _sum_counts(meta["header_count_b"]),
            _sum_counts(meta["list_count_b"]),
            _sum_counts(meta["bold_count_b"]),
        )
    except (KeyError, TypeError, ValueError, AttributeError):
        return _NAN4, _NAN4
    return a, b


def categories_of(tag) -> frozenset[str]:
    """Category names from `category_tag`: a name, a list of names, or the arena's nested dict
    ({"math_v0.1": {"math": true}, "criteria_v0.1": {"complexity": false, ...}})."""
    if tag is None:
        return frozenset()
    if isinstance(tag, str):
        return frozenset([tag])
    if isinstance(tag, (list, tuple)):
        return frozenset(str(t) for t in tag)
    if isinstance(tag, dict):
        names: set[str] = set()
        for key, value in tag.items():
            if value.__class__ is dict:
                names.update([k for k, v in value.items() if v is True])  # JSON keys are strings already
            elif value:
                names.add(str(key))
        return frozenset(names)
    return frozenset()


def record_categories(tag, is_code=None, language=None, turn=None) -> frozenset[str]:
    """A record's categories, the same for `arenabot ratings --category` and `arenabot import`:
    the tags (`categories_of`), plus coding for `is_code`, the language's category ("English" or
    "en" -> english) and multi_turn for more than one turn."""
    names = categories_of(tag)
    extra = ["coding"] if is_code is True else []
    if "if" in names:  # FastChat's if_v0.1 label is arenabot's instruction-following board
        extra.append("instruction_following")
    criteria = tag.get("criteria_v0.1") if isinstance(tag, dict) else None
    if isinstance(criteria, dict) and sum(v is True for v in criteria.values()) >= HARD_MIN_CRITERIA:
        extra.append("hard_prompt")  # Chatbot Arena's hard prompts: 6 of the 7 criteria
    if language and isinstance(language, str):
        found = _LANGUAGE_CATEGORIES.get(language)
        if found is None:
            from arenabot.arenafields import language_category  # only a category filter needs it

            found = _LANGUAGE_CATEGORIES.setdefault(language[:64], language_category(language))
        if found:
            extra.append(found)
    if isinstance(turn, int) and turn > 1 and turn is not True:
        extra.append("multi_turn")
    return names.union(extra) if extra else names


HARD_MIN_CRITERIA = 6  # as arenabot.categories (a test checks), without importing its rules here
_LANGUAGE_CATEGORIES: dict[str, str] = {}  # a log holds a few dozen languages: each looked up once


def _tagged(r) -> tuple:
    """What `record_categories` reads, from a typed record."""
    return (r.categories if r.category_tag is msgspec.UNSET else r.category_tag, r.is_code, r.language, r.turn)


@dataclass(frozen=True)
class Wanted:
    """Optional columns to read: each costs decoding time, so the command line asks only for those
    it uses (anony for --anonymous-only, tstamp for --elo, style for --style, ...)."""

    anony: bool = True
    tstamp: bool = True
    style: bool = True
    categories: bool = True
    battle: bool = True  # question_id, for intervals clustered by battle


class Columns:
    """Accumulates valid battles chunk by chunk; model indices in order of first appearance."""

    def __init__(self, want: Wanted):
        self.want = want
        self.style, self.categories = want.style, want.categories
        self.index: dict[str, int] = {}
        self.parts: list[tuple] = []
        self.rejected: dict[str, int] = {}
        self._interned: dict[frozenset, frozenset] = {}

    def reject(self, reason: str, n: int = 1) -> None:
        self.rejected[reason] = self.rejected.get(reason, 0) + n

    def add(self, a: list[str], b: list[str], winners: list[str], anony, tstamp, cats, metas, qids=None) -> None:
        """Append valid rows (names non-empty, winner known; same-model rows are rejected here)."""
        import numpy as np  # only column work needs it; `import` reads records without

        n = len(a)
        if not n:
            return
        same = np.fromiter(map(eq, a, b), dtype=bool, count=n)
        if same.any():
            self.reject("same model on both sides", int(same.sum()))
            keep = (~same).tolist()
            a, b, winners = list(compress(a, keep)), list(compress(b, keep)), list(compress(winners, keep))
            anony, tstamp = np.asarray(anony)[~same], np.asarray(tstamp)[~same]
            cats = list(compress(cats, keep)) if cats is not None else None
            metas = list(compress(metas, keep)) if metas is not None else None
            qids = list(compress(qids, keep)) if qids is not None else None
            n = len(a)
        index = self.index
        if not index.keys() >= set(a).union(b):
            for name in chain.from_iterable(zip(a, b, strict=True)):
                index.setdefault(name, len(index))
        codes = np.fromiter(map(WINNER_CODES.__getitem__, winners), dtype=np.int8, count=n)
        part = [
            np.fromiter(map(index.__getitem__, a), dtype=np.intp, count=n),
            np.fromiter(map(index.__getitem__, b), dtype=np.intp, count=n),
            codes,
            np.asarray(anony, dtype=bool) if self.want.anony else np.zeros(n, dtype=bool),
            np.asarray(tstamp, dtype=float) if self.want.tstamp else np.full(n, np.nan),
        ]
        if self.categories:
            interned = self._interned
            part.append([interned.setdefault(c, c) for c in (record_categories(*t) for t in cats)])
        if self.style:
            pairs = [style_of(m) for m in metas]
            part.append(np.array([p[0] for p in pairs], dtype=float).reshape(-1, 4))
            part.append(np.array([p[1] for p in pairs], dtype=float).reshape(-1, 4))
        if self.want.battle:
            part.append(_present(qids))
        self.parts.append(tuple(part))

    def add_known(self, recs: list) -> None:
        """Records decoded with every model name already indexed (the common case): columns in bulk."""
        import numpy as np  # only column work needs it; `import` reads records without

        n = len(recs)
        index, keep = self.index, None
        a = np.fromiter(map(index.__getitem__, map(attrgetter("model_a"), recs)), dtype=np.intp, count=n)
        b = np.fromiter(map(index.__getitem__, map(attrgetter("model_b"), recs)), dtype=np.intp, count=n)
        codes = np.fromiter(map(WINNER_CODES.__getitem__, map(attrgetter("winner"), recs)), dtype=np.int8, count=n)
        same = a == b
        if same.any():
            self.reject("same model on both sides", int(same.sum()))
            keep = ~same
            a, b, codes = a[keep], b[keep], codes[keep]
        part = [a, b, codes]
        if self.want.anony:
            anony = np.fromiter(map(attrgetter("anony"), recs), dtype=bool, count=n)
            part.append(anony[keep] if keep is not None else anony)
        else:
            part.append(np.zeros(len(a), dtype=bool))
        if self.want.tstamp:
            tstamp = np.fromiter(map(attrgetter("tstamp"), recs), dtype=float, count=n)
            part.append(tstamp[keep] if keep is not None else tstamp)
        else:
            part.append(np.full(len(a), np.nan))
        if self.categories or self.style:
            kept = list(compress(recs, keep.tolist())) if keep is not None else recs
            if self.categories:
                interned = self._interned
                part.append([interned.setdefault(c, c) for c in (record_categories(*_tagged(r)) for r in kept)])
            if self.style:
                pairs = [style_of(r.conv_metadata) for r in kept]
                part.append(np.array([p[0] for p in pairs], dtype=float).reshape(-1, 4))
                part.append(np.array([p[1] for p in pairs], dtype=float).reshape(-1, 4))
        if self.want.battle:
            qids = list(map(attrgetter("question_id"), recs))
            part.append(_present(list(compress(qids, keep.tolist())) if keep is not None else qids))
        if len(a):
            self.parts.append(tuple(part))

    def add_typed(self, recs: list) -> None:
        """Records with names that may be new (or empty, which is a missing field)."""
        import numpy as np  # only column work needs it; `import` reads records without

        n = len(recs)
        a = list(map(attrgetter("model_a"), recs))
        b = list(map(attrgetter("model_b"), recs))
        if "" in a or "" in b:  # an empty name is a missing field: judge this chunk one by one
            self.add_loose([{k: v for k, v in msgspec.structs.asdict(r).items() if v is not msgspec.UNSET} for r in recs])
            return
        anony = np.fromiter(map(attrgetter("anony"), recs), dtype=bool, count=n) if self.want.anony else np.zeros(n, dtype=bool)
        tstamp = np.fromiter(map(attrgetter("tstamp"), recs), dtype=float, count=n) if self.want.tstamp else np.full(n, np.nan)
        cats = None
        if self.categories:
            cats = [_tagged(r) for r in recs]
        metas = [r.conv_metadata for r in recs] if self.style else None
        qids = list(map(attrgetter("question_id"), recs)) if self.want.battle else None
        self.add(a, b, list(map(attrgetter("winner"), recs)), anony, tstamp, cats, metas, qids)

    def add_loose(self, records: Iterable[Any]) -> None:
        """Records of any shape, judged one by one: the rules the typed path applies in bulk."""
        a, b, winners, anony, tstamp, cats, metas, qids = [], [], [], [], [], [], [], []
        for rec in records:
            if not isinstance(rec, dict):
                self.reject("record is not a JSON object")
                continue
            model_a, model_b, winner = rec.get("model_a"), rec.get("model_b"), rec.get("winner")
            if not isinstance(model_a, str) or not isinstance(model_b, str) or not model_a or not model_b or winner is None:
                self.reject("missing field (model_a, model_b or winner)")
                continue
            if not isinstance(winner, str) or winner not in WINNER_CODES:
                self.reject("unknown winner value")
                continue
            a.append(model_a)
            b.append(model_b)
            winners.append(winner)
            anony.append(rec.get("anony") is True)
            ts = rec.get("tstamp")
            tstamp.append(float(ts) if isinstance(ts, (int, float)) else math.nan)
            cats.append(
                (rec.get("category_tag", rec.get("categories")), rec.get("is_code"), rec.get("language"), rec.get("turn"))
            )
            metas.append(rec.get("conv_metadata"))
            qids.append(rec.get("question_id"))
        self.add(
            a,
            b,
            winners,
            anony,
            tstamp,
            cats if self.categories else None,
            metas if self.style else None,
            qids if self.want.battle else None,
        )

    def export(self) -> tuple:
        """What `merge` needs, compact for the pipe."""
        return list(self.index), self.parts, self.rejected

    def merge(self, models: list[str], parts: list[tuple], rejected: dict[str, int]) -> None:
        """Append another reader's columns (of the rows after ours), renumbering its models."""
        import numpy as np

        renumber = np.array([self.index.setdefault(m, len(self.index)) for m in models], dtype=np.intp)
        for part in parts:
            self.parts.append((renumber[part[0]], renumber[part[1]], *part[2:]))
        for reason, n in rejected.items():
            self.reject(reason, n)

    def result(self) -> BattleLog:
        import numpy as np  # only column work needs it; `import` reads records without

        parts = list(zip(*self.parts, strict=True)) if self.parts else None
        n = sum(len(p[2]) for p in self.parts)

        def cat(k: int, dtype) -> np.ndarray:
            return np.concatenate(parts[k]) if parts else np.empty(0, dtype=dtype)

        if self.categories:
            categories = list(chain.from_iterable(parts[5])) if parts else []
        else:
            categories = [frozenset()] * n
        if self.style:
            k = 6 if self.categories else 5
            style_a = np.concatenate(parts[k]) if parts else np.empty((0, 4))
            style_b = np.concatenate(parts[k + 1]) if parts else np.empty((0, 4))
        else:
            style_a = style_b = np.broadcast_to(np.nan, (n, 4))  # not read: no memory spent
        battle = _battle_ids(self.parts) if self.want.battle else None
        return BattleLog(
            list(self.index),
            cat(0, np.intp),
            cat(1, np.intp),
            cat(2, np.int8),
            cat(3, bool),
            cat(4, float),
            categories,
            style_a,
            style_b,
            self.rejected,
            battle,
        )


def _present(qids: list | None) -> list | None:
    """A chunk's question_ids, or None when no row has one (the usual one-vote-per-battle log)."""
    if qids is None or all(q is None for q in qids):
        return None
    return qids


def _battle_ids(parts: list[tuple]) -> np.ndarray | None:
    """question_ids (each part's last column) as integer battle ids; rows without one get ids of
    their own. None when no row has one, so boards know the log is one vote per battle."""
    import numpy as np

    if all(p[-1] is None for p in parts):
        return None
    codes: dict = {}
    columns = []
    for part in parts:
        chunk = part[-1] if part[-1] is not None else [None] * len(part[2])
        keys = (q if q is None or isinstance(q, (str, int)) else repr(q) for q in chunk)
        columns.append(np.fromiter((-1 if q is None else codes.setdefault(q, len(codes)) for q in keys), np.int64, len(chunk)))
    ids = np.concatenate(columns)
    alone = ids < 0
    ids[alone] = len(codes) + np.arange(int(alone.sum()))
    return ids
