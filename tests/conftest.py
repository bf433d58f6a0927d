"""Fixtures shared by every test folder. Storage fixtures (sqlite_url, pg_url, store) live here."""
