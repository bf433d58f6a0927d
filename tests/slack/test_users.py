"""Who may moderate, who is a bot, and how often Slack is asked; the event-id memory."""
from __future__ import annotations

from arenabot.adapters.slack.dedupe import RecentEvents
from arenabot.adapters.slack.users import UserDirectory
from tests.slack.fake_slack import FakeSlack


async def test_users_are_looked_up_once_per_period(fake_slack: FakeSlack, slack_client) -> None:
    fake_slack.add_user("U0BOSS", is_admin=True)
    users = UserDirectory(slack_client)
    first = await users.actor("U0BOSS")
    again = await users.actor("U0BOSS")
    assert first == again and first.is_moderator and not first.is_bot and first.display_name == "u0boss"
    assert len(fake_slack.calls_to("users.info")) == 1


async def test_bots_are_never_moderators_even_when_listed(fake_slack: FakeSlack, slack_client) -> None:
    fake_slack.add_user("U0HELPER", is_bot=True)
    actor = await UserDirectory(slack_client, admin_users=["U0HELPER"]).actor("U0HELPER")
    assert actor.is_bot and not actor.is_moderator


async def test_group_members_moderate_and_a_failing_lookup_makes_a_plain_member(fake_slack: FakeSlack, slack_client) -> None:
    fake_slack.usergroups["S0MODS"] = ["U0INGROUP"]
    users = UserDirectory(slack_client, admin_usergroups=["S0MODS", "S0GONE"])
    assert (await users.actor("U0INGROUP")).is_moderator
    assert not (await users.actor("U0OTHER")).is_moderator
    assert len(fake_slack.calls_to("usergroups.users.list")) == 2  # both groups, once, then cached

    fake_slack.rate_limit("users.info", times=99, retry_after=0)  # users.info keeps failing
    slack_client.retry_handlers.clear()  # fail at once instead of waiting out the 429s
    limited = UserDirectory(slack_client, admin_users=["U0LISTED"], ttl_seconds=0)
    assert (await limited.actor("U0LISTED")).is_moderator
    assert not (await limited.actor("U0SOMEONE")).is_moderator


def test_an_event_id_counts_once_until_it_expires() -> None:
    events = RecentEvents(ttl_seconds=3600)
    assert events.first_time("Ev1") and not events.first_time("Ev1") and events.first_time("Ev2")
    expired = RecentEvents(ttl_seconds=-1)
    assert expired.first_time("Ev1") and expired.first_time("Ev1")
    bounded = RecentEvents(max_size=2)
    for event_id in ("Ev1", "Ev2", "Ev3", "Ev4"):
        assert bounded.first_time(event_id)
    assert bounded.first_time("Ev1")  # the oldest were forgotten to keep the memory bounded
