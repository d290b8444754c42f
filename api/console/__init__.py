"""The reviewers' console: web pages on the API (``/console``), signed in with the reviewer's credential."""

from api.console.pages import install

__all__ = ["install"]
