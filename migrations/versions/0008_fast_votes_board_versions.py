"""Fast votes and warm boards: a version counter for the pair counts, each pair-count row stamped
with the version that last changed it (a warm board reads only the rows changed since it last
looked), and on PostgreSQL the vote transaction as one server-side function (one round trip).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 16:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

# The vote transaction of arenabot/storage/voting.py, step for step, so that a vote on PostgreSQL
# is one round trip (and, called alone, its own transaction). The tests run every vote scenario
# on both databases, which keeps the two in step. Each statement in a plpgsql function takes a
# fresh snapshot, so the vote read after the battle's row lock sees what the transaction we
# waited for committed, as in the Python version.
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
    ver bigint;
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
            UPDATE pair_counts_version SET version = version + 1 WHERE id = 1 RETURNING version INTO ver;
            INSERT INTO pair_counts AS p (scope_key, category, model_a, model_b, wins_a, wins_b, ties, both_bad, version)
                SELECT s, c, low, high, n_a, n_b, n_tie, n_bad, ver
                FROM unnest(ARRAY[home, everywhere]::varchar[]) AS s
                CROSS JOIN (SELECT '' AS c UNION SELECT DISTINCT e FROM json_array_elements_text(b.categories::json) AS e WHERE e <> '') AS cats
                GROUP BY s, c
                ORDER BY s COLLATE "C", c COLLATE "C"
                ON CONFLICT (scope_key, category, model_a, model_b) DO UPDATE SET
                    wins_a = p.wins_a + excluded.wins_a, wins_b = p.wins_b + excluded.wins_b,
                    ties = p.ties + excluded.ties, both_bad = p.both_bad + excluded.both_bad,
                    version = excluded.version;
            INSERT INTO battle_patterns AS q (scope_key, category, model_a, model_b, wins_a, wins_b, ties, both_bad, battles)
                SELECT s, c, low, high, n_a, n_b, n_tie, n_bad, 1
                FROM unnest(ARRAY[home, everywhere]::varchar[]) AS s
                CROSS JOIN (SELECT '' AS c UNION SELECT DISTINCT e FROM json_array_elements_text(b.categories::json) AS e WHERE e <> '') AS cats
                GROUP BY s, c
                ORDER BY s COLLATE "C", c COLLATE "C"
                ON CONFLICT (scope_key, category, model_a, model_b, wins_a, wins_b, ties, both_bad) DO UPDATE SET
                    battles = q.battles + excluded.battles;
        END IF;
    END IF;
    o_battle := b;
END;
$fn$
"""
DROP_RECORD_VOTE = (
    "DROP FUNCTION IF EXISTS arenabot_record_vote(integer, varchar, varchar, varchar, timestamptz, varchar, boolean, integer)"
)


def upgrade() -> None:
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
        op.execute(RECORD_VOTE)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(DROP_RECORD_VOTE)
    with op.batch_alter_table("pair_counts", schema=None) as batch_op:
        batch_op.drop_index("ix_pair_counts_scope_category_version")
        batch_op.drop_column("version")
    op.drop_table("pair_counts_version")
