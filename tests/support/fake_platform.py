"""An in-memory `ChatPlatform` that records everything the core does, for tests of any layer."""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from arenabot.ports import Ballot, ThreadRefs
from arenabot.replies import Reply


@dataclass
class FakeMessage:
    ref: str
    thread_ref: str
    kind: str  # "header" | "reply" | "post" | "ballot"
    text: str
    label: str = ""
    edits: list[str] = field(default_factory=list)  # every text it had, in order
    finished: bool = False
    ballot: Ballot | None = None  # what a ballot message offers


@dataclass
class FakeThread:
    ref: str
    channel_ref: str
    title: str
    header_ref: str
    messages: list[FakeMessage] = field(default_factory=list)


class FakeStream:
    def __init__(self, message: FakeMessage):
        self.message = message

    async def update(self, text: str) -> None:
        assert not self.message.finished, "update after finish"
        self.message.text = text
        self.message.edits.append(text)

    async def finish(self, text: str) -> None:
        self.message.text = text
        self.message.edits.append(text)
        self.message.finished = True


@dataclass
class Notification:
    user_ref: str
    thread_ref: str
    text: str


class FakePlatform:
    """Records threads, messages (with every streamed edit), ballots and private notifications."""

    def __init__(self, name: str = "fake", *, fail_notify: bool = False):
        self.name = name
        self.fail_notify = fail_notify
        self._ids = itertools.count(1)
        self.threads: dict[str, FakeThread] = {}
        self.messages: dict[str, FakeMessage] = {}
        self.notifications: list[Notification] = []
        self.reacted: list[str] = []  # reaction ballots that got the vote reactions, in order
        self.channel_posts: list[tuple[str, Reply]] = []  # post_reply: (channel, reply), in order

    def _ref(self, prefix: str) -> str:
        return f"{prefix}-{next(self._ids)}"

    def _add(self, thread_ref: str, kind: str, text: str, label: str = "") -> FakeMessage:
        message = FakeMessage(self._ref(kind), thread_ref, kind, text, label, [text])
        self.messages[message.ref] = message
        self.threads[thread_ref].messages.append(message)
        return message

    # ----- ChatPlatform ------------------------------------------------------------------------

    async def open_thread(self, channel_ref: str, title: str, header: str) -> ThreadRefs:
        thread_ref = self._ref("thread")
        header_ref = self._ref("header")
        self.threads[thread_ref] = FakeThread(thread_ref, channel_ref, title, header_ref)
        message = FakeMessage(header_ref, thread_ref, "header", header, edits=[header], finished=True)
        self.messages[header_ref] = message
        self.threads[thread_ref].messages.append(message)
        return ThreadRefs(thread_ref, header_ref)

    async def start_reply(self, thread_ref: str, label: str) -> FakeStream:
        return FakeStream(self._add(thread_ref, "reply", "", label))

    async def post(self, thread_ref: str, text: str) -> str:
        return self._add(thread_ref, "post", text).ref

    async def post_ballot(self, thread_ref: str, ballot: Ballot) -> str:
        message = self._add(thread_ref, "ballot", ballot.text)
        message.ballot = ballot
        return message.ref

    async def open_voting(self, message_ref: str, ballot: Ballot) -> None:
        if ballot.mode == "reactions":
            self.reacted.append(message_ref)

    async def edit(self, message_ref: str, text: str) -> None:
        message = self.messages[message_ref]
        message.text = text
        message.edits.append(text)

    async def check_access(self, channel_ref: str) -> list[str]:
        return []  # nothing to lack here

    async def post_reply(self, channel_ref: str, reply: Reply) -> None:
        self.channel_posts.append((channel_ref, reply))

    async def notify(self, user_ref: str, thread_ref: str, text: str) -> None:
        if self.fail_notify:
            raise RuntimeError("cannot DM this user")
        self.notifications.append(Notification(user_ref, thread_ref, text))

    # ----- helpers for assertions --------------------------------------------------------------

    @property
    def thread_list(self) -> list[FakeThread]:
        return list(self.threads.values())

    def last_thread(self) -> FakeThread:
        return self.thread_list[-1]

    def of_kind(self, thread_ref: str, kind: str) -> list[FakeMessage]:
        return [m for m in self.threads[thread_ref].messages if m.kind == kind]

    def replies(self, thread_ref: str) -> dict[str, FakeMessage]:
        """The latest reply per label ("Model A", "Model B")."""
        return {m.label: m for m in self.of_kind(thread_ref, "reply")}

    def ballot(self, thread_ref: str) -> str:
        ballots = self.of_kind(thread_ref, "ballot")
        assert ballots, "no ballot was posted"
        return ballots[-1].ref

    def posts(self, thread_ref: str) -> list[str]:
        return [m.text for m in self.of_kind(thread_ref, "post")]

    def header(self, thread_ref: str) -> FakeMessage:
        return self.messages[self.threads[thread_ref].header_ref]
