"""`arenabot ratings FILE`: leaderboards from a battle log, and the loaders for those logs.

Reads a Chatbot Arena `clean_battle` JSON array, JSON lines of the same records, or the LLMFAO
crowd CSV (left/right/winner), detecting the format when not given. Bad records (unknown
winner, same model on both sides, missing field, unreadable line) are counted and reported.
"""
from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from arenabot.ratings import (
    A_WINS, B_WINS, BOTH_BAD, STYLE_FEATURES, TIE, Board, rate_battles, rate_elo, rate_style, style_features,
)

FORMATS = ("clean_battle", "jsonl", "llmfao")
WINNER_CODES = {"model_a": A_WINS, "model_b": B_WINS, "tie": TIE, "tie (bothbad)": BOTH_BAD}
LLMFAO_CODES = {"left": A_WINS, "right": B_WINS, "tie": TIE}


@dataclass
class BattleLog:
    """Valid battles as arrays (indices into `models`) plus what was rejected and why."""

    models: list[str]
    model_a: np.ndarray
    model_b: np.ndarray
    outcome: np.ndarray
    anony: np.ndarray  # bool; records without the field count as not anonymous
    tstamp: np.ndarray  # float, NaN when missing
    categories: list[frozenset[str]]
    style_a: np.ndarray  # (n, 4) length, headers, lists, bold; NaN when conv_metadata is absent
    style_b: np.ndarray
    rejected: dict[str, int] = field(default_factory=dict)
    # Battle id per row (the file's question_id) when rows are votes sharing battles; None if absent.
    battle: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.outcome)

    def subset(self, keep: np.ndarray) -> "BattleLog":
        idx = np.flatnonzero(keep)
        return BattleLog(self.models, self.model_a[idx], self.model_b[idx], self.outcome[idx],
                         self.anony[idx], self.tstamp[idx], [self.categories[k] for k in idx],
                         self.style_a[idx], self.style_b[idx], dict(self.rejected),
                         None if self.battle is None else self.battle[idx])


class LogError(ValueError):
    """The file cannot be read as a battle log at all (as opposed to a few bad records)."""


def detect_format(path: Path) -> str:
    with path.open("r", encoding="utf-8", errors="replace") as fh:
        head = fh.read(4096)
    stripped = head.lstrip()
    if stripped.startswith("["):
        return "clean_battle"
    if stripped.startswith("{"):
        return "jsonl"
    first_line = stripped.splitlines()[0] if stripped else ""
    columns = {c.strip() for c in first_line.split(",")}
    if {"left", "right", "winner"} <= columns:
        return "llmfao"
    raise LogError(f"{path}: cannot tell the format (expected a JSON array, JSON lines or the LLMFAO "
                   f"CSV with left,right,winner columns); pass --format")


def _sum_counts(value) -> float:
    """conv_metadata counts are numbers or dicts of numbers (e.g. {"h1": 2, "h2": 1})."""
    if isinstance(value, dict):
        return float(sum(float(v) for v in value.values()))
    return float(value)


def _style_of(meta) -> tuple[list[float], list[float]]:
    if not isinstance(meta, dict):
        raise KeyError("conv_metadata")
    a = [float(meta["sum_assistant_a_tokens"]), _sum_counts(meta["header_count_a"]),
         _sum_counts(meta["list_count_a"]), _sum_counts(meta["bold_count_a"])]
    b = [float(meta["sum_assistant_b_tokens"]), _sum_counts(meta["header_count_b"]),
         _sum_counts(meta["list_count_b"]), _sum_counts(meta["bold_count_b"])]
    return a, b


def _categories_of(tag) -> frozenset[str]:
    """Category names from `category_tag`: a name, a list of names, or the arena's nested dict
    ({"math_v0.1": {"math": true}, "criteria_v0.1": {"complexity": false, ...}})."""
    if tag is None:
        return frozenset()
    if isinstance(tag, str):
        return frozenset([tag])
    if isinstance(tag, (list, tuple)):
        return frozenset(str(t) for t in tag)
    if isinstance(tag, dict):
        names = set()
        for key, value in tag.items():
            if isinstance(value, dict):
                names.update(str(k) for k, v in value.items() if v is True)
            elif value:
                names.add(str(key))
        return frozenset(names)
    return frozenset()


def _records(path: Path, fmt: str, rejected: dict[str, int]) -> Iterator[dict]:
    def reject(reason: str) -> None:
        rejected[reason] = rejected.get(reason, 0) + 1

    if fmt == "clean_battle":
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise LogError(f"{path}: not valid JSON ({exc}); for JSON lines use --format jsonl") from exc
        if not isinstance(data, list):
            raise LogError(f"{path}: expected a JSON array of battle records")
        for rec in data:
            if isinstance(rec, dict):
                yield rec
            else:
                reject("record is not a JSON object")
    elif fmt == "jsonl":
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                if not line.strip():
                    continue
                try:
                    rec = json.loads(line)
                except json.JSONDecodeError:
                    reject("invalid JSON line")
                    continue
                if isinstance(rec, dict):
                    yield rec
                else:
                    reject("record is not a JSON object")
    elif fmt == "llmfao":
        with path.open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                winner = row.get("winner")
                yield {
                    "model_a": row.get("left"), "model_b": row.get("right"),
                    "winner": {"left": "model_a", "right": "model_b", "tie": "tie"}.get(winner, winner),
                    "category_tag": row.get("prompt"), "judge": row.get("worker"),
                }
    else:
        raise LogError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")


def load_battles(path: str | Path, fmt: str | None = None, progress=None) -> BattleLog:
    """Read a battle log. Raises LogError when the file as a whole is unreadable."""
    path = Path(path)
    if not path.is_file():
        raise LogError(f"{path}: no such file")
    fmt = fmt or detect_format(path)
    rejected: dict[str, int] = {}
    index: dict[str, int] = {}
    a_list, b_list, o_list, anony, stamps, cats, sa, sb, qids = [], [], [], [], [], [], [], [], []
    nan4 = [np.nan] * 4

    def reject(reason: str) -> None:
        rejected[reason] = rejected.get(reason, 0) + 1

    for n, rec in enumerate(_records(path, fmt, rejected), 1):
        if progress and n % 200_000 == 0:
            progress(f"read {n:,} records")
        model_a, model_b, winner = rec.get("model_a"), rec.get("model_b"), rec.get("winner")
        if not isinstance(model_a, str) or not isinstance(model_b, str) or not model_a or not model_b \
                or winner is None:
            reject("missing field (model_a, model_b or winner)")
            continue
        code = WINNER_CODES.get(winner) if isinstance(winner, str) else None
        if code is None:
            reject("unknown winner value")
            continue
        if model_a == model_b:
            reject("same model on both sides")
            continue
        try:
            style = _style_of(rec.get("conv_metadata"))
        except (KeyError, TypeError, ValueError, AttributeError):
            style = (nan4, nan4)
        a_list.append(index.setdefault(model_a, len(index)))
        b_list.append(index.setdefault(model_b, len(index)))
        o_list.append(code)
        anony.append(rec.get("anony") is True)
        ts = rec.get("tstamp")
        stamps.append(float(ts) if isinstance(ts, (int, float)) else np.nan)
        cats.append(_categories_of(rec.get("category_tag", rec.get("categories"))))
        sa.append(style[0])
        sb.append(style[1])
        qids.append(rec.get("question_id"))
    return BattleLog(list(index), np.array(a_list, dtype=np.intp), np.array(b_list, dtype=np.intp),
                     np.array(o_list, dtype=np.int8), np.array(anony, dtype=bool),
                     np.array(stamps, dtype=float), cats, np.array(sa, dtype=float).reshape(-1, 4),
                     np.array(sb, dtype=float).reshape(-1, 4), rejected, _battle_ids(qids))


def _battle_ids(qids: list) -> np.ndarray | None:
    """question_id per row as battle ids (rows without one are battles of their own); None
    when no row has one."""
    if all(q is None for q in qids):
        return None
    return np.array([str(q) if q is not None else f"\0row{n}" for n, q in enumerate(qids)], dtype=object)


class _Progress:
    """Progress lines on stderr, only for runs that take a while (after 1 s, at most every 0.5 s)."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stderr
        self.start = time.monotonic()
        self.last = 0.0
        self.done = 0

    def message(self, text: str) -> None:
        now = time.monotonic()
        if now - self.start > 1.0 and now - self.last > 0.5:
            print(text, file=self.stream, flush=True)
            self.last = now

    def rounds(self, total: int):
        def step(k: int) -> None:
            self.done += k
            self.message(f"bootstrap: {self.done}/{total} rounds")
        return step


def parse_anchor(text: str) -> tuple[str, float]:
    model, sep, rating = text.rpartition("=")
    try:
        if not sep or not model:
            raise ValueError
        return model, float(rating)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--anchor expects MODEL=RATING, e.g. mixtral-8x7b-instruct-v0.1=1114; got {text!r}")


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
    return value


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive whole number, got {text!r}")
    return value


def register(subparsers) -> None:
    p = subparsers.add_parser("ratings", help="leaderboard (Bradley-Terry, Elo, style control) from a battle log",
                              description=__doc__.splitlines()[0])
    p.add_argument("file", metavar="FILE", help="clean_battle JSON array, JSON lines, or LLMFAO crowd CSV")
    p.add_argument("--format", choices=FORMATS, help="input format (detected when not given)")
    p.add_argument("--bootstrap", type=_positive_int, metavar="N", help="bootstrap rounds (implies --ci bootstrap; default 1000)")
    p.add_argument("--ci", choices=("bootstrap", "sandwich"), help="interval method (default: sandwich, or bootstrap with --bootstrap)")
    p.add_argument("--anchor", type=parse_anchor, metavar="MODEL=RATING", help="pin one model's rating (default: mean-centred on 1000)")
    p.add_argument("--ties", choices=("half", "drop"), default="half", help="ties count half a win to each side (default) or are dropped")
    p.add_argument("--l2", type=_positive_float, metavar="C", help="L2 penalty with scikit-learn's C (smaller is stronger)")
    p.add_argument("--double", action="store_true", help="count every battle twice (as some published boards did)")
    p.add_argument("--anonymous-only", action="store_true", help="only battles with anony=true")
    p.add_argument("--category", metavar="C", help="only battles tagged with category C")
    p.add_argument("--elo", action="store_true",
                   help="online Elo (K=4) in timestamp order instead of Bradley-Terry (bootstrap intervals)")
    p.add_argument("--style", action="store_true", help="style control (length, headers, lists, bold from conv_metadata)")
    p.add_argument("--seed", type=int, default=0, help="bootstrap seed (default 0)")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(handler=run)


def select(log: BattleLog, anonymous_only: bool, category: str | None) -> BattleLog:
    keep = np.ones(len(log), dtype=bool)
    if anonymous_only:
        keep &= log.anony
    if category:
        keep &= np.array([category in c for c in log.categories], dtype=bool)
    return log.subset(keep) if not keep.all() else log


def interval_problem(args) -> str | None:
    """Why the interval options contradict each other, or None."""
    if args.bootstrap and args.ci == "sandwich":
        return "--bootstrap N asks for bootstrap intervals but --ci sandwich has no rounds; drop one of them"
    if args.elo and args.ci == "sandwich":
        return "online Elo has no sandwich interval; use --bootstrap N (bootstrap is the default with --elo)"
    return None


def compute(log: BattleLog, args, progress: _Progress | None = None) -> Board:
    """The board the command line asks for. Elo always gets bootstrap intervals (it has no
    other kind); Bradley-Terry clusters its intervals on question_id when the file has it."""
    ci = args.ci or ("bootstrap" if args.bootstrap or args.elo else "sandwich")
    rounds = args.bootstrap or 1000
    step = progress.rounds(rounds) if progress else None
    if args.elo:
        return rate_elo(log.models, log.model_a, log.model_b, log.outcome, log.tstamp, ties=args.ties,
                        anchor=args.anchor, rounds=rounds if ci == "bootstrap" else 0, seed=args.seed,
                        progress=step)
    if args.style:
        has_style = np.all(np.isfinite(log.style_a), axis=1) & np.all(np.isfinite(log.style_b), axis=1)
        missing = int((~has_style).sum())
        styled = log.subset(has_style)
        features = style_features(styled.style_a, styled.style_b)
        board = rate_style(styled.models, styled.model_a, styled.model_b, styled.outcome, features,
                           feature_names=STYLE_FEATURES, ties=args.ties, l2_C=args.l2, anchor=args.anchor,
                           ci=ci, rounds=rounds, seed=args.seed, progress=step)
        if missing:
            board.rejected["no conv_metadata for style control"] = missing
        return board
    board = rate_battles(log.models, log.model_a, log.model_b, log.outcome, battle=log.battle, ci=ci,
                         rounds=rounds, seed=args.seed, ties=args.ties, l2_C=args.l2, double=args.double,
                         anchor=args.anchor, progress=step)
    board.extra["clustered_on"] = "question_id" if log.battle is not None else "none (one vote per battle)"
    return board


def format_table(board: Board) -> str:
    width = max([len("model")] + [len(r.model) for r in board.rows])
    lines = [f"{'rank':>4}  {'model':<{width}}  {'rating':>8}  {'95% CI':>17}  {'battles':>8}  {'win rate':>8}"]
    for r in board.rows:
        ci = f"{r.ci_lower:7.1f} – {r.ci_upper:7.1f}"
        lines.append(f"{r.rank:>4}  {r.model:<{width}}  {r.rating:8.1f}  {ci:>17}  {r.battles:>8}  {r.win_rate:8.1%}")
    lines.append(f"{board.method}, {board.n_battles:,.0f} battles, intervals: {board.ci}")
    if "style" in board.extra:
        for name, s in board.extra["style"].items():
            lines.append(f"style {name}: {s['coef']:+.3f} [{s['ci_lower']:+.3f}, {s['ci_upper']:+.3f}]")
    if board.unrated:
        lines.append("not rated (no counted games): " + ", ".join(board.unrated))
    for note in board.notes:
        lines.append("note: " + note)
    return "\n".join(lines)


def report_rejected(rejected: dict[str, int], stream) -> None:
    if rejected:
        total = sum(rejected.values())
        detail = "; ".join(f"{k}: {v:,}" for k, v in sorted(rejected.items()))
        print(f"skipped {total:,} bad records ({detail})", file=stream)


def run(args) -> int:
    problem = interval_problem(args)
    if problem:
        print(f"arenabot ratings: {problem}", file=sys.stderr)
        return 2
    progress = _Progress()
    try:
        log = load_battles(args.file, args.format, progress.message)
    except (LogError, OSError, UnicodeDecodeError) as exc:
        print(f"arenabot ratings: {exc}", file=sys.stderr)
        return 2
    log = select(log, args.anonymous_only, args.category)
    board = compute(log, args, progress)
    board.rejected = {**log.rejected, **board.rejected}
    if args.json:
        print(json.dumps(board.to_dict(), indent=1))
    else:
        print(format_table(board))
    report_rejected(board.rejected, sys.stderr)
    if not board.rows:
        print("no battles to rate (check --anonymous-only / --category and the file)", file=sys.stderr)
    return 0
