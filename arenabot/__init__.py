"""arenabot: Chatbot Arena inside Discord and Slack."""

__version__ = "0.1.0"
