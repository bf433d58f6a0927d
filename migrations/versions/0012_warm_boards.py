"""Warm boards: a version per board scope, bumped in every transaction that changes that
scope's battle patterns (the reveal, a void or leak after it, a category added, an import), and
each pattern row stamped with the version that last changed it, so a warm board checks one tiny
row and reads only the rows changed since it last looked. The pair-count version of 0008 (a
global counter and a stamp on every pair-count row that nothing read) goes. On PostgreSQL the
vote function, which closes battles at close_after_votes, does the same.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 19:30:00
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

# The vote transaction of arenabot/storage/voting.py as in 0008, but a close bumps the two board
# versions (its scope's and the global one) and stamps the battle-pattern rows with them.
RECORD_VOTE = """
CREATE OR REPLACE FUNCTION arenabot_record_vote(
    p_battle_id integer, p_voter varchar, p_outcome varchar, p_event varchar, p_now timestamptz,
    p_only_if varchar, p_reveals boolean, p_close_after integer,
    OUT o_status text, OUT o_previous varchar, OUT o_closed boolean, OUT o_why text,
    OUT o_repeat boolean, OUT o_battle battles)
LANGUAGE plpgsql AS $fn$
DECLARE
    b battles%ROWTYPE;
    v votes%ROWTYPE;
    has_vote boolean;
    leaked boolean;
    seen boolean;
    now_counted boolean;
    delta integer;
    seen_at timestamptz;
    n_a integer; n_b integer; n_tie integer; n_bad integer;
    low varchar; high varchar;
    home varchar; everywhere varchar;
BEGIN
    o_closed := false;
    o_repeat := false;
    IF p_event IS NOT NULL THEN
        INSERT INTO processed_events (event_id, created_at) VALUES (p_event, p_now)
            ON CONFLICT (event_id) DO NOTHING;
        IF NOT FOUND THEN
            SELECT * INTO b FROM battles WHERE id = p_battle_id;
            IF NOT FOUND THEN
                RAISE EXCEPTION 'no battle with id %', p_battle_id USING ERRCODE = 'no_data_found';
            END IF;
            SELECT * INTO v FROM votes WHERE battle_id = p_battle_id AND voter_ref = p_voter;
            o_status := 'duplicate'; o_previous := NULLIF(v.outcome, ''); o_battle := b;
            RETURN;
        END IF;
    END IF;

    SELECT * INTO b FROM battles WHERE id = p_battle_id FOR UPDATE;
    IF NOT FOUND THEN  -- the exception rolls the event claim back
        RAISE EXCEPTION 'no battle with id %', p_battle_id USING ERRCODE = 'no_data_found';
    END IF;
    SELECT * INTO v FROM votes WHERE battle_id = p_battle_id AND voter_ref = p_voter;
    has_vote := FOUND;
    o_previous := NULLIF(v.outcome, '');
    o_battle := b;
    IF p_outcome IS NULL AND p_only_if IS NOT NULL AND o_previous IS NOT NULL AND o_previous <> p_only_if THEN
        o_status := 'unchanged';
        RETURN;
    END IF;

    IF b.status <> 'open' THEN
        IF b.status = 'closed' AND (p_outcome IS NULL OR (o_previous IS NOT NULL AND v.blind)) THEN
            o_status := 'late';
            RETURN;
        END IF;
        IF p_outcome IS NULL AND o_previous IS NULL THEN
            o_status := 'no_vote';
            RETURN;
        END IF;
        IF has_vote THEN
            UPDATE votes SET outcome = p_outcome, blind = false, counted = false, updated_at = p_now
                WHERE id = v.id;
        ELSE
            INSERT INTO votes (battle_id, voter_ref, outcome, blind, counted, created_at, updated_at)
                VALUES (b.id, p_voter, p_outcome, false, false, p_now, p_now);
        END IF;
        o_status := CASE WHEN b.status = 'void' THEN 'void' ELSE 'late' END;
        RETURN;
    END IF;

    IF p_outcome IS NULL AND o_previous IS NULL THEN
        o_status := 'no_vote';
        RETURN;
    END IF;
    IF p_outcome IS NOT NULL AND o_previous = p_outcome THEN
        o_status := 'unchanged';
        RETURN;
    END IF;
    leaked := b.leaked_at IS NOT NULL;
    seen := has_vote AND v.names_seen_at IS NOT NULL;
    IF seen OR (leaked AND has_vote AND v.counted) THEN
        o_repeat := v.unblind_outcome IS NOT NULL;
        UPDATE votes SET unblind_outcome = COALESCE(p_outcome, '') WHERE id = v.id;
        o_status := 'final';
        o_why := CASE WHEN seen THEN 'names_seen' ELSE 'thread_leak' END;
        RETURN;
    END IF;

    o_status := CASE WHEN p_outcome IS NULL THEN 'withdrawn' WHEN o_previous IS NOT NULL THEN 'changed' ELSE 'counted' END;
    now_counted := p_outcome IS NOT NULL AND NOT leaked AND NOT b.identity_leak;
    -- A named battle shows its names from the start: nothing to reveal, its votes stay changeable.
    seen_at := CASE WHEN p_reveals AND o_status = 'counted' AND b.anony THEN p_now END;
    IF has_vote THEN
        UPDATE votes SET outcome = p_outcome, blind = NOT leaked, counted = now_counted, updated_at = p_now,
                names_seen_at = COALESCE(names_seen_at, seen_at)
            WHERE id = v.id;
    ELSE
        INSERT INTO votes (battle_id, voter_ref, outcome, blind, counted, created_at, updated_at, names_seen_at)
            VALUES (b.id, p_voter, p_outcome, NOT leaked, now_counted, p_now, p_now, seen_at);
    END IF;
    delta := now_counted::integer - (has_vote AND v.counted)::integer;
    IF delta <> 0 THEN
        UPDATE battles SET counted_votes = counted_votes + delta WHERE id = b.id;
        b.counted_votes := b.counted_votes + delta;
    END IF;

    IF p_close_after > 0 AND delta > 0 AND b.counted_votes >= p_close_after THEN
        UPDATE battles SET status = 'closed', closed_at = p_now WHERE id = b.id AND status = 'open';
        o_closed := FOUND;
    END IF;
    IF o_closed THEN
        b.status := 'closed';
        b.closed_at := p_now;
        -- The battle's counted votes join the pair counts (tally.vote_deltas) and its pattern the
        -- battle patterns (tally.pattern_deltas): canonical orientation, overall and each
        -- category, its board scope (tally.board_scope: named battles under "named/") and that
        -- mode's global scope ("*" or "named/*").
        SELECT count(*) FILTER (WHERE outcome = 'a'), count(*) FILTER (WHERE outcome = 'b'),
               count(*) FILTER (WHERE outcome = 'tie'), count(*) FILTER (WHERE outcome = 'both_bad')
            INTO n_a, n_b, n_tie, n_bad
            FROM votes WHERE battle_id = b.id AND counted;
        IF n_a + n_b + n_tie + n_bad > 0 THEN
            IF b.model_a COLLATE "C" > b.model_b COLLATE "C" THEN
                low := b.model_b; high := b.model_a;
                SELECT n_b, n_a INTO n_a, n_b;
            ELSE
                low := b.model_a; high := b.model_b;
            END IF;
            IF b.anony THEN
                home := b.scope_key; everywhere := '*';
            ELSE
                home := 'named/' || b.scope_key; everywhere := 'named/*';
            END IF;
            INSERT INTO pair_counts AS p (scope_key, category, model_a, model_b, wins_a, wins_b, ties, both_bad)
                SELECT s, c, low, high, n_a, n_b, n_tie, n_bad
                FROM unnest(ARRAY[home, everywhere]::varchar[]) AS s
                CROSS JOIN (SELECT '' AS c UNION SELECT DISTINCT e FROM json_array_elements_text(b.categories::json) AS e WHERE e <> '') AS cats
                GROUP BY s, c
                ORDER BY s COLLATE "C", c COLLATE "C"
                ON CONFLICT (scope_key, category, model_a, model_b) DO UPDATE SET
                    wins_a = p.wins_a + excluded.wins_a, wins_b = p.wins_b + excluded.wins_b,
                    ties = p.ties + excluded.ties, both_bad = p.both_bad + excluded.both_bad;
            -- Both boards' versions (sql.bump_board_versions), in the same key order as Python
            -- takes them; the row locks make versions follow commit order.
            INSERT INTO board_versions AS bv (scope_key, version)
                SELECT s, 1 FROM unnest(ARRAY[home, everywhere]::varchar[]) AS s ORDER BY s COLLATE "C"
                ON CONFLICT (scope_key) DO UPDATE SET version = bv.version + 1;
            INSERT INTO battle_patterns AS q (scope_key, category, model_a, model_b, wins_a, wins_b, ties, both_bad, battles, version)
                SELECT bv.scope_key, c, low, high, n_a, n_b, n_tie, n_bad, 1, bv.version
                FROM board_versions AS bv
                CROSS JOIN (SELECT '' AS c UNION SELECT DISTINCT e FROM json_array_elements_text(b.categories::json) AS e WHERE e <> '') AS cats
                WHERE bv.scope_key IN (home, everywhere)
                ORDER BY bv.scope_key COLLATE "C", c COLLATE "C"
                ON CONFLICT (scope_key, category, model_a, model_b, wins_a, wins_b, ties, both_bad) DO UPDATE SET
                    battles = q.battles + excluded.battles, version = excluded.version;
        END IF;
    END IF;
    o_battle := b;
END;
$fn$
"""


def _previous_function() -> str:
    """0008's vote function, for the downgrade (its module name starts with a digit)."""
    path = Path(__file__).with_name("0008_fast_votes_board_versions.py")
    spec = importlib.util.spec_from_file_location("arenabot_migration_0008", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return str(module.RECORD_VOTE)


def upgrade() -> None:
    # pair_counts and battle_patterns have no foreign keys pointing at them: a batch copy is safe.
    with op.batch_alter_table("pair_counts", schema=None) as batch_op:
        batch_op.drop_index("ix_pair_counts_scope_category_version")
        batch_op.drop_column("version")
    op.drop_table("pair_counts_version")
    op.create_table(
        "board_versions",
        sa.Column("scope_key", sa.String(length=255), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("scope_key", name=op.f("pk_board_versions")),
    )
    # Existing rows get version 0 and no board has a version row yet (read as 0): a board
    # starts cold, reading every row, whatever the stamps.
    op.add_column("battle_patterns", sa.Column("version", sa.BigInteger(), server_default="0", nullable=False))
    op.create_index("ix_battle_patterns_scope_category_version", "battle_patterns", ["scope_key", "category", "version"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(RECORD_VOTE)


def downgrade() -> None:
    op.drop_index("ix_battle_patterns_scope_category_version", table_name="battle_patterns")
    with op.batch_alter_table("battle_patterns", schema=None) as batch_op:
        batch_op.drop_column("version")
    op.drop_table("board_versions")
    op.create_table(
        "pair_counts_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pair_counts_version")),
    )
    op.execute("INSERT INTO pair_counts_version (id, version) VALUES (1, 1)")
    with op.batch_alter_table("pair_counts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version", sa.BigInteger(), nullable=False, server_default="1"))
        batch_op.create_index("ix_pair_counts_scope_category_version", ["scope_key", "category", "version"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_previous_function())
