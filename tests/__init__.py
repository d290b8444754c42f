"""The suite. Its payloads are plain unless a test gives a key itself: a developer's `make run` keeps a
payload key in var/ that the settings would otherwise pick up, and the recorded histories (plain)
would then no longer decode. ``PAYLOAD_KEY=`` (empty) means no key, whatever var/ holds."""

import os

os.environ.setdefault("PAYLOAD_KEY", "")
