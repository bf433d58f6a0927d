"""`MissingPermission`: what an adapter raises when the platform refuses the bot an action, so the
core can say which permission, where, and who can fix it, instead of an "internal error"."""

from __future__ import annotations


class MissingPermission(Exception):
    """The platform refused an action for lack of a permission (a Discord 403, a Slack channel the
    bot is not in). `permission` is the platform's own name for it; `where` is how to show the
    channel in a message on that platform; `fix` is what a member or moderator should do;
    `problem` overrides the default wording of what is wrong."""

    def __init__(self, permission: str, where: str, fix: str, problem: str | None = None):
        self.permission = permission
        self.where = where
        self.fix = fix
        self.problem = problem or f"I'm missing the **{permission}** permission there"
        super().__init__(f"missing permission {permission!r} in {where}")

    def user_text(self) -> str:
        return f"I can't run a battle in {self.where}: {self.problem}. {self.fix}"

    def moderator_text(self) -> str:
        return f"{self.where}: {self.problem}. {self.fix}"
