"""Initial schema: models, battles, battle_messages, turns, votes, pair_counts, bans,
scope_settings, processed_events.

Revision ID: 0001
Revises:
Create Date: 2026-11-27 23:49:22.531728
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('bans',
    sa.Column('scope_key', sa.String(length=255), nullable=False),
    sa.Column('user_ref', sa.String(length=255), nullable=False),
    sa.Column('by_ref', sa.String(length=255), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('scope_key', 'user_ref', name=op.f('pk_bans'))
    )
    op.create_table('battles',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('scope_key', sa.String(length=255), nullable=False),
    sa.Column('platform', sa.String(length=32), nullable=False),
    sa.Column('channel_ref', sa.String(length=255), nullable=False),
    sa.Column('thread_ref', sa.String(length=255), nullable=True),
    sa.Column('header_ref', sa.String(length=255), nullable=True),
    sa.Column('creator_ref', sa.String(length=255), nullable=False),
    sa.Column('model_a', sa.String(length=100), nullable=False),
    sa.Column('model_b', sa.String(length=100), nullable=False),
    sa.Column('categories', sa.JSON(), nullable=False),
    sa.Column('language', sa.String(length=16), nullable=False),
    sa.Column('prompt', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('identity_leak', sa.Boolean(), nullable=False),
    sa.Column('void_reason', sa.Text(), nullable=True),
    sa.Column('turn_count', sa.Integer(), nullable=False),
    sa.Column('counted_votes', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closes_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_battles'))
    )
    op.create_index('ix_battles_platform_thread', 'battles', ['platform', 'thread_ref'], unique=False)
    op.create_index('ix_battles_scope_creator_created', 'battles', ['scope_key', 'creator_ref', 'created_at'], unique=False)
    op.create_index('ix_battles_status_closes_at', 'battles', ['status', 'closes_at'], unique=False)
    op.create_table('models',
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('provider', sa.String(length=32), nullable=False),
    sa.Column('model_id', sa.String(length=255), nullable=False),
    sa.Column('base_url', sa.Text(), nullable=True),
    sa.Column('api_key_env', sa.String(length=255), nullable=True),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('system_prompt', sa.Text(), nullable=True),
    sa.Column('weight', sa.Float(), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('identity_words', sa.JSON(), nullable=False),
    sa.Column('vendor', sa.String(length=100), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_models'))
    )
    op.create_table('pair_counts',
    sa.Column('scope_key', sa.String(length=255), nullable=False),
    sa.Column('category', sa.String(length=64), nullable=False),
    sa.Column('model_a', sa.String(length=100), nullable=False),
    sa.Column('model_b', sa.String(length=100), nullable=False),
    sa.Column('wins_a', sa.Integer(), nullable=False),
    sa.Column('wins_b', sa.Integer(), nullable=False),
    sa.Column('ties', sa.Integer(), nullable=False),
    sa.Column('both_bad', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('scope_key', 'category', 'model_a', 'model_b', name=op.f('pk_pair_counts'))
    )
    op.create_index('ix_pair_counts_category', 'pair_counts', ['category'], unique=False)
    op.create_table('processed_events',
    sa.Column('event_id', sa.String(length=255), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('event_id', name=op.f('pk_processed_events'))
    )
    op.create_table('scope_settings',
    sa.Column('scope_key', sa.String(length=255), nullable=False),
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('scope_key', 'key', name=op.f('pk_scope_settings'))
    )
    op.create_table('battle_messages',
    sa.Column('platform', sa.String(length=32), nullable=False),
    sa.Column('message_ref', sa.String(length=255), nullable=False),
    sa.Column('battle_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.ForeignKeyConstraint(['battle_id'], ['battles.id'], name=op.f('fk_battle_messages_battle_id_battles'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('platform', 'message_ref', name=op.f('pk_battle_messages'))
    )
    op.create_index(op.f('ix_battle_messages_battle_id'), 'battle_messages', ['battle_id'], unique=False)
    op.create_table('turns',
    sa.Column('battle_id', sa.Integer(), nullable=False),
    sa.Column('index', sa.Integer(), nullable=False),
    sa.Column('side', sa.String(length=1), nullable=False),
    sa.Column('prompt', sa.Text(), nullable=False),
    sa.Column('reply', sa.Text(), nullable=False),
    sa.Column('latency_s', sa.Float(), nullable=True),
    sa.Column('first_token_s', sa.Float(), nullable=True),
    sa.Column('prompt_tokens', sa.Integer(), nullable=True),
    sa.Column('completion_tokens', sa.Integer(), nullable=True),
    sa.Column('finish_reason', sa.String(length=32), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['battle_id'], ['battles.id'], name=op.f('fk_turns_battle_id_battles'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('battle_id', 'index', 'side', name=op.f('pk_turns'))
    )
    op.create_table('votes',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('battle_id', sa.Integer(), nullable=False),
    sa.Column('voter_ref', sa.String(length=255), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=True),
    sa.Column('blind', sa.Boolean(), nullable=False),
    sa.Column('counted', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['battle_id'], ['battles.id'], name=op.f('fk_votes_battle_id_battles'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_votes')),
    sa.UniqueConstraint('battle_id', 'voter_ref', name=op.f('uq_votes_battle_id_voter_ref'))
    )


def downgrade() -> None:
    op.drop_table('votes')
    op.drop_table('turns')
    op.drop_index(op.f('ix_battle_messages_battle_id'), table_name='battle_messages')
    op.drop_table('battle_messages')
    op.drop_table('scope_settings')
    op.drop_table('processed_events')
    op.drop_index('ix_pair_counts_category', table_name='pair_counts')
    op.drop_table('pair_counts')
    op.drop_table('models')
    op.drop_index('ix_battles_status_closes_at', table_name='battles')
    op.drop_index('ix_battles_scope_creator_created', table_name='battles')
    op.drop_index('ix_battles_platform_thread', table_name='battles')
    op.drop_table('battles')
    op.drop_table('bans')
