"""`arenabot ratings FILE`: leaderboards from a battle log, and the loaders for those logs.

Reads a Chatbot Arena `clean_battle` JSON array, JSON lines of the same records, or the LLMFAO
crowd CSV (left/right/winner), detecting the format when not given. Bad records (unknown
winner, same model on both sides, missing field, unreadable line) are counted and reported.
"""

from __future__ import annotations

import argparse
import math
import sys

# Input formats of battlelog.FORMATS, repeated so that defining the command loads no numpy.
FORMATS = ("clean_battle", "jsonl", "llmfao")
OUTPUTS = ("table", "json", "csv", "markdown")  # == boardformat.OUTPUTS

# The log reader lives in arenabot.battlelog (shared with `arenabot import`); these names stay
# importable from here and load it only when used.
_READER_NAMES = {"BattleLog", "LogError", "WINNER_CODES", "detect_format", "load_battles"}


def __getattr__(name: str):
    if name in _READER_NAMES:
        from arenabot import battlelog

        return getattr(battlelog, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def parse_anchor(text: str) -> tuple[str, float]:
    model, sep, rating = text.rpartition("=")
    try:
        if not sep or not model:
            raise ValueError
        value = float(rating)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--anchor expects MODEL=RATING, e.g. mixtral-8x7b-instruct-v0.1=1114; got {text!r}"
        ) from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"--anchor's rating must be a finite number, e.g. {model}=1114; got {rating!r}")
    return model, value


def _seed(text: str) -> int:
    """numpy's generators take seeds from 0 to 2**32 - 1 (legacy) or any non-negative integer."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--seed expects a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"--seed must be 0 or more, got {value}")
    return value


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
    p = subparsers.add_parser(
        "ratings", help="leaderboard (Bradley-Terry, Elo, style control) from a battle log", description=__doc__.splitlines()[0]
    )
    p.add_argument("file", metavar="FILE", help="clean_battle JSON array, JSON lines, or LLMFAO crowd CSV")
    p.add_argument("--format", choices=FORMATS, help="input format (detected when not given)")
    p.add_argument("--bootstrap", type=_positive_int, metavar="N", help="bootstrap rounds (implies --ci bootstrap; default 1000)")
    p.add_argument(
        "--ci", choices=("bootstrap", "sandwich"), help="interval method (default: sandwich, or bootstrap with --bootstrap)"
    )
    p.add_argument(
        "--anchor", type=parse_anchor, metavar="MODEL=RATING", help="pin one model's rating (default: mean-centred on 1000)"
    )
    p.add_argument(
        "--ties", choices=("half", "drop"), default="half", help="ties count half a win to each side (default) or are dropped"
    )
    p.add_argument("--l2", type=_positive_float, metavar="C", help="L2 penalty with scikit-learn's C (smaller is stronger)")
    p.add_argument("--double", action="store_true", help="count every battle twice (as some published boards did)")
    p.add_argument("--anonymous-only", action="store_true", help="only battles with anony=true")
    p.add_argument("--category", metavar="C", help="only battles tagged with category C")
    p.add_argument(
        "--elo",
        action="store_true",
        help="online Elo (K=4) in timestamp order instead of Bradley-Terry (intervals only with --bootstrap N)",
    )
    p.add_argument("--style", action="store_true", help="style control (length, headers, lists, bold from conv_metadata)")
    p.add_argument("--seed", type=_seed, default=0, help="bootstrap seed, 0 or more (default 0)")
    p.add_argument(
        "--output",
        choices=OUTPUTS,
        default="table",
        help="table (default), json, csv (spreadsheets) or markdown (to paste into Discord, Slack, a README)",
    )
    p.add_argument("--json", dest="output", action="store_const", const="json", help="the same as --output json")
    p.add_argument("--png", metavar="FILE", help="also draw the board as a chart into FILE (PNG): ratings, intervals, groups")
    p.set_defaults(handler=run)


def select(log, anonymous_only: bool, category: str | None):
    import numpy as np

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
        return "online Elo has no sandwich interval; use --bootstrap N for bootstrap intervals"
    return None


def interval_kind(args) -> str:
    """Elo has intervals only when rounds are asked for: replaying a large log 1,000 times takes
    minutes, so it is never a silent default."""
    if args.elo:
        return "bootstrap" if args.bootstrap else "none"
    return args.ci or ("bootstrap" if args.bootstrap else "sandwich")


STYLE_FIELDS = (
    "sum_assistant_a_tokens",
    "sum_assistant_b_tokens",
    "header_count_a",
    "header_count_b",
    "list_count_a",
    "list_count_b",
    "bold_count_a",
    "bold_count_b",
)


def compute(log, args, progress=None):
    """The board the command line asks for. `progress(n)`: n bootstrap rounds done.
    Bradley-Terry clusters its intervals on question_id when the file has it."""
    import numpy as np

    from arenabot.ratings import rate_battles

    ci = interval_kind(args)
    rounds = args.bootstrap or 1000
    if args.elo:
        from arenabot.ratings import rate_elo

        return rate_elo(
            log.models,
            log.model_a,
            log.model_b,
            log.outcome,
            log.tstamp,
            ties=args.ties,
            anchor=args.anchor,
            rounds=rounds if ci == "bootstrap" else 0,
            seed=args.seed,
            progress=progress,
        )
    if args.style:
        from arenabot.ratings import STYLE_FEATURES, rate_style, style_features

        has_style = np.all(np.isfinite(log.style_a), axis=1) & np.all(np.isfinite(log.style_b), axis=1)
        missing = int((~has_style).sum())
        if len(has_style) and not has_style.any():
            from arenabot.cli import CliError

            raise CliError(
                f"--style: none of the {len(has_style)} battles has the style fields it needs: conv_metadata with "
                f"{', '.join(STYLE_FIELDS)} (as FastChat's logs and `arenabot export` write them)",
                2,
            )
        styled = log.subset(has_style)
        features = style_features(styled.style_a, styled.style_b)
        board = rate_style(
            styled.models,
            styled.model_a,
            styled.model_b,
            styled.outcome,
            features,
            feature_names=STYLE_FEATURES,
            ties=args.ties,
            l2_C=args.l2,
            anchor=args.anchor,
            ci=ci,
            rounds=rounds,
            seed=args.seed,
            progress=progress,
        )
        if missing:
            board.rejected["no conv_metadata for style control"] = missing
        return board
    board = rate_battles(
        log.models,
        log.model_a,
        log.model_b,
        log.outcome,
        battle=log.battle,
        ci=ci,
        rounds=rounds,
        seed=args.seed,
        ties=args.ties,
        l2_C=args.l2,
        double=args.double,
        anchor=args.anchor,
        progress=progress,
    )
    board.extra["clustered_on"] = "question_id" if log.battle is not None else "none (one vote per battle)"
    return board


def board_view(board, log=None):
    """The board as `boardformat` shows it; groups of models that never met come from the log."""
    from arenabot.boardformat import BoardView
    from arenabot.ratings.board import how_many

    footer = [f"{board.method}, {how_many(board.n_battles, 'battle')}, intervals: {board.ci}"]
    if "style" in board.extra:
        for name, s in board.extra["style"].items():
            footer.append(f"style {name}: {s['coef']:+.3f} [{s['ci_lower']:+.3f}, {s['ci_upper']:+.3f}]")
    if board.unrated:
        footer.append("not rated (no counted games): " + ", ".join(board.unrated))
    footer += ["note: " + note for note in board.notes]
    groups: dict[str, int] = {}
    if log is not None and len(log):
        # The comparison graph's components (the same split the fit makes), numbered in order of
        # first appearance among the models that played. (Not np.unique: its plain form imports
        # numpy.ma, ~50 ms of a small file's start-up.)
        import numpy as np

        from arenabot.ratings.graph import component_labels

        m = len(log.models)
        labels = component_labels(m, log.model_a, log.model_b)
        played = np.bincount(np.concatenate([log.model_a, log.model_b]), minlength=m) > 0
        numbers: dict[int, int] = {}
        groups = {log.models[k]: numbers.setdefault(int(labels[k]), len(numbers)) for k in np.flatnonzero(played).tolist()}
    return BoardView(board.rows, footer, groups=groups, intervals=board.ci != "none")


def format_table(board, log=None) -> str:
    from arenabot.boardformat import table

    return table(board_view(board, log))


def chart_reference(board, args, groups: int):
    """The chart's dashed line: the anchor when it pinned a rated model, else the centre (Elo:
    the starting rating)."""
    from arenabot.chart import Reference, anchored, centred

    if args.anchor and any(row.model == args.anchor[0] for row in board.rows):
        return anchored(*args.anchor)
    if board.method.startswith("elo"):
        return Reference(1000.0, "starting rating 1000")
    return centred(1000.0, groups)


def write_chart(path: str, board, view, args) -> None:
    from pathlib import Path

    from arenabot.chart import write_png
    from arenabot.cli import CliError
    from arenabot.ratings.board import how_many

    title = f"{Path(args.file).name}: {board.method}, {how_many(board.n_battles, 'battle')}"
    try:
        write_png(
            path,
            view.rows,
            title,
            groups=view.groups,
            reference=chart_reference(board, args, len(set(view.groups.values()))),
            intervals=view.intervals,
        )
    except RuntimeError as exc:
        raise CliError(f"--png: {exc}") from exc
    except OSError as exc:
        raise CliError(f"--png: cannot write {path}: {exc.strerror or exc}") from exc
    print(f"chart: {path}", file=sys.stderr)


def report_rejected(rejected: dict[str, int], stream) -> None:
    if rejected:
        total = sum(rejected.values())
        detail = "; ".join(f"{k}: {v:,}" for k, v in sorted(rejected.items()))
        print(f"skipped {total:,} bad records ({detail})", file=stream)


def run(args) -> int:
    import json
    from pathlib import Path

    from arenabot import battlelog, boardformat, progress
    from arenabot.cli import CliError

    problem = interval_problem(args)
    if problem:
        raise CliError(problem, code=2)
    path = Path(args.file)
    try:
        with progress.bar("reading", total=path.stat().st_size if path.is_file() else None, bytes_=True) as step:
            # Only the columns this run uses are decoded: each costs time on a large log.
            log = battlelog.load_battles(
                path,
                args.format,
                step,
                style=args.style,
                categories=bool(args.category),
                anony=args.anonymous_only,
                tstamp=args.elo,
                battle=not (args.elo or args.style),  # only Bradley-Terry clusters on question_id
            )
    except (battlelog.LogError, OSError, UnicodeDecodeError) as exc:
        raise CliError(str(exc), code=2) from exc
    log = select(log, args.anonymous_only, args.category)
    ci = interval_kind(args)
    rounds = args.bootstrap or 1000
    with progress.bar("bootstrap", total=rounds if ci == "bootstrap" else None, unit="round") as step:
        board = compute(log, args, step if ci == "bootstrap" else None)
    board.rejected = {**log.rejected, **board.rejected}
    view = board_view(board, log)
    if args.output == "json":
        print(json.dumps(board.to_dict(), indent=1))
    else:
        print(boardformat.render(view, args.output, sys.stdout))
    report_rejected(board.rejected, sys.stderr)
    if args.png and board.rows:
        write_chart(args.png, board, view, args)
    if not board.rows:
        print("no battles to rate (check --anonymous-only / --category and the file)", file=sys.stderr)
    return 0
