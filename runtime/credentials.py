"""Credentials the service issues itself, for a local run: the two files and nothing else.

- The server's **registry** (``API_CREDENTIAL_REGISTRY``, default ``var/api-credentials.json``) keeps one
  record per credential: who it is for, a SHA-256 of its secret (never the secret), when it was issued,
  when it expires, whether and when it was revoked, and by whom.
- The commands' **store** (``NOTICE_CREDENTIALS``, default ``var/credentials.json``) maps a profile
  (``ncb:FR``, ``reviewer:legal.ana``, ``admin``) to its token; ``--ncb CC`` / ``--as ID`` pick one.

A credential is an opaque API key ``nrk_<id>_<secret>``. Both files are written atomically with mode
0600. This module sits below the API and the commands so both can use it (the ``ncb`` and ``ndtf``
commands read the store; the API verifies against the registry, see ``api.credentials``); it knows the
principal only as its plain fields, ``api.principal.Principal`` fits ``Holder``.
"""

from __future__ import annotations

import base64
import builtins
import fcntl
import hashlib
import hmac
import json
import os
import re
import secrets
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, ValidationError

from runtime.config import settings

TOKEN_PREFIX = "nrk_"
ADMIN_PROFILE = "admin"
DEFAULT_TTL = timedelta(days=90)
"""How long a credential is good for unless the administrator says otherwise."""

HolderKind = Literal["ncb", "reviewer", "administrator"]
_TOKEN = re.compile(r"nrk_([0-9a-f]{12})_([A-Za-z0-9_-]{43})")
_NCB = re.compile(r"[A-Z]{2}")
_REVIEWER_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,127}")


class CredentialError(Exception):
    """A credential file or action a person must look at; the message says what to do."""


class CredentialRefused(CredentialError):
    """A token that proves nothing: malformed, unknown, not matching, revoked or expired (``reason``)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class UnknownCredential(CredentialError):
    """No credential has that id (revoke)."""


class AlreadyRevoked(CredentialError):
    """The credential was revoked before (revoke)."""


class MissingCredential(CredentialError, LookupError):
    """The store has no token for the profile a command asked for."""


class Holder(Protocol):
    """Who a credential is for: ``api.principal.Principal`` has these fields, and so has ``CredentialHolder``."""

    @property
    def kind(self) -> str: ...
    @property
    def subject(self) -> str: ...
    @property
    def ncb(self) -> str | None: ...
    @property
    def reviewer_id(self) -> str | None: ...


class CredentialHolder(BaseModel):
    """The principal a local credential proves, as the registry records it."""

    model_config = ConfigDict(frozen=True)

    kind: HolderKind
    subject: str
    ncb: str | None = None
    reviewer_id: str | None = None

    @classmethod
    def of(cls, holder: Holder) -> CredentialHolder:
        """Checked: an NCB is a two-letter code, a reviewer a roster id, and the subject follows from them."""
        kind = str(getattr(holder.kind, "value", holder.kind))
        if kind == "ncb":
            code = (holder.ncb or "").strip().upper()
            if not _NCB.fullmatch(code):
                raise CredentialError(f"'{holder.ncb}' is not a two-letter ISO 3166-1 code (e.g. FR)")
            return cls(kind="ncb", subject=f"ncb:{code}", ncb=code)
        if kind == "reviewer":
            reviewer = (holder.reviewer_id or "").strip()
            if not _REVIEWER_ID.fullmatch(reviewer):
                raise CredentialError(f"'{holder.reviewer_id}' is not a reviewer id (letters, digits, . _ @ -)")
            return cls(kind="reviewer", subject=f"reviewer:{reviewer}", reviewer_id=reviewer)
        if kind == "administrator":
            subject = holder.subject if holder.subject.startswith("admin:") else "admin:local"
            return cls(kind="administrator", subject=subject)
        raise CredentialError(f"no credential can be issued for a principal of kind {kind!r}")

    @classmethod
    def for_ncb(cls, ncb: str) -> CredentialHolder:
        return cls.of(_Plain("ncb", "", ncb=ncb))

    @classmethod
    def for_reviewer(cls, reviewer_id: str) -> CredentialHolder:
        return cls.of(_Plain("reviewer", "", reviewer_id=reviewer_id))

    @classmethod
    def administrator(cls) -> CredentialHolder:
        return cls(kind="administrator", subject="admin:local")

    @property
    def profile(self) -> str:
        """The profile the commands find its token under."""
        return ADMIN_PROFILE if self.kind == "administrator" else self.subject


class CredentialRecord(BaseModel):
    """One issued credential, as the server keeps it: a hash of the secret, never the secret."""

    id: str
    principal: CredentialHolder
    sha256: str
    issued_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None = None
    revoked_by: str | None = None
    issued_by: str

    def status(self, now: datetime) -> Literal["valid", "expired", "revoked"]:
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= now:
            return "expired"
        return "valid"

    def public(self) -> dict[str, Any]:
        """What may be shown (``ndtf credentials list``): everything but the hash."""
        return self.model_dump(mode="json", exclude={"sha256"})


class _Registry(BaseModel):
    version: Literal[1] = 1
    credentials: list[CredentialRecord] = []


# --- profiles and the commands' store ------------------------------------------------------------------


def ncb_profile(ncb: str) -> str:
    return f"ncb:{ncb.strip().upper()}"


def reviewer_profile(reviewer_id: str) -> str:
    return f"reviewer:{reviewer_id.strip()}"


def _shown(path: Path) -> str:
    """A path as a person would type it: relative to the working directory when it is below it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, OSError):  # elsewhere, or no working directory any more
        return str(path)


def _how_to_get(profile: str) -> tuple[str, str]:
    """(what the profile names, the command that issues a credential for it)."""
    if profile == ADMIN_PROFILE:
        return "the administrator", "ndtf credentials issue --admin"
    kind, _, name = profile.partition(":")
    if kind == "ncb" and name:
        return f"NCB {name}", f"ndtf credentials issue --ncb {name}"
    if kind == "reviewer" and name:
        return f"reviewer {name}", f"ndtf credentials issue --reviewer {name}"
    raise CredentialError(f"unknown profile {profile!r}: use ncb:CC, reviewer:ID or admin")


def read_store(store_path: Path | str | None = None) -> dict[str, str]:
    """The commands' tokens by profile (empty when the store does not exist yet)."""
    path = Path(store_path) if store_path is not None else settings().notice_credentials
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise CredentialError(f"cannot read the credential store {_shown(path)}: {error}") from None
    if not isinstance(data, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in data.items()):
        raise CredentialError(f"the credential store {_shown(path)} is not a map of profile to token")
    return data


def token_for(profile: str, store_path: Path | str | None = None) -> str:
    """The token the commands present for ``profile`` (``ncb:FR``, ``reviewer:legal.ana``, ``admin``).

    Raises ``MissingCredential`` naming the profile and the command that issues one."""
    path = Path(store_path) if store_path is not None else settings().notice_credentials
    whom, command = _how_to_get(profile)
    token = read_store(path).get(profile)
    if not token:
        raise MissingCredential(
            f"no credential for {whom} in {_shown(path)}: an administrator issues one with `{command}`"
        )
    return token


def store_token(profile: str, token: str | None, store_path: Path | str | None = None) -> None:
    """Keep ``token`` under ``profile`` in the store (``None`` removes it); atomic, mode 0600."""
    path = Path(store_path) if store_path is not None else settings().notice_credentials
    _how_to_get(profile)
    with _locked(path):
        tokens = read_store(path)
        if token is None:
            if tokens.pop(profile, None) is None:
                return
        else:
            tokens[profile] = token
        _write_private(path, json.dumps(dict(sorted(tokens.items())), indent=2) + "\n")


# --- files --------------------------------------------------------------------------------------------


def _write_private(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` at once, readable by its owner only (0600)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """One writer at a time (``make run`` and an administrator's command may both issue)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path.with_name(f".{path.name}.lock"), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("ascii")).hexdigest()


def _now() -> datetime:
    return datetime.now(UTC)


# --- the server's registry -----------------------------------------------------------------------------


@dataclass
class LocalCredentials:
    """The registry of locally issued credentials: issue, revoke, list, verify.

    ``verify`` reads the file again whenever it changed, so a revocation takes effect at once, in every
    process that verifies (no state of its own that a second API process would need)."""

    path: Path = field(default_factory=lambda: settings().api_credential_registry)
    clock: Callable[[], datetime] = _now
    _cache_key: tuple[int, ...] | None = field(default=None, init=False, repr=False)
    _cache: dict[str, CredentialRecord] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        self.path = Path(self.path)

    # reading

    def _load(self) -> dict[str, CredentialRecord]:
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            self._cache_key, self._cache = None, {}
            return {}
        key = (stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns)
        if key != self._cache_key:
            try:
                registry = _Registry.model_validate_json(self.path.read_bytes())
            except (OSError, ValidationError) as error:
                raise CredentialError(
                    f"cannot read the credential registry {_shown(self.path)}: {str(error).splitlines()[0]}"
                ) from None
            self._cache = {record.id: record for record in registry.credentials}
            self._cache_key = key
        return self._cache

    def list(self) -> builtins.list[CredentialRecord]:
        """Every credential ever issued here, oldest first."""
        return sorted(self._load().values(), key=lambda r: (r.issued_at, r.id))

    def get(self, credential_id: str) -> CredentialRecord:
        record = self._load().get(credential_id)
        if record is None:
            raise UnknownCredential(f"unknown credential {credential_id}: `ndtf credentials list` shows them")
        return record

    def verify(self, token: str) -> CredentialRecord:
        """The record ``token`` proves, or ``CredentialRefused`` with the reason.

        Revoked and expired are told apart only once the secret matched: a guess learns nothing."""
        found = _TOKEN.fullmatch(token.strip())
        if found is None:
            raise CredentialRefused("malformed API key (expected nrk_<id>_<secret>)")
        credential_id, secret = found.groups()
        record = self._load().get(credential_id)
        if record is None:
            raise CredentialRefused("unknown API key")
        if not hmac.compare_digest(_digest(secret), record.sha256):
            raise CredentialRefused("API key does not match its record (altered or mistyped)")
        if record.revoked_at is not None:
            raise CredentialRefused(f"API key revoked on {record.revoked_at:%Y-%m-%d %H:%MZ}")
        if record.expires_at is not None and record.expires_at <= self.clock():
            raise CredentialRefused(f"API key expired on {record.expires_at:%Y-%m-%d %H:%MZ}")
        return record

    # changing

    @contextmanager
    def _changing(self) -> Iterator[dict[str, CredentialRecord]]:
        with _locked(self.path):
            self._cache_key = None
            records = dict(self._load())
            yield records
            registry = _Registry(credentials=sorted(records.values(), key=lambda r: (r.issued_at, r.id)))
            _write_private(self.path, registry.model_dump_json(indent=2) + "\n")
            self._cache_key = None

    def issue(
        self, principal: Holder, ttl: timedelta | None = DEFAULT_TTL, issued_by: str = "admin:local"
    ) -> tuple[CredentialRecord, str]:
        """A new credential for ``principal``: its record and the token, which is shown once and kept
        nowhere on the server. ``ttl=None`` never expires."""
        holder = CredentialHolder.of(principal)
        if ttl is not None and ttl <= timedelta(0):
            raise CredentialError("a credential must be valid for some time: give a positive lifetime")
        secret = base64.urlsafe_b64encode(secrets.token_bytes(32)).rstrip(b"=").decode("ascii")
        with self._changing() as records:
            credential_id = secrets.token_hex(6)
            while credential_id in records:
                credential_id = secrets.token_hex(6)
            now = self.clock()
            record = CredentialRecord(
                id=credential_id,
                principal=holder,
                sha256=_digest(secret),
                issued_at=now,
                expires_at=now + ttl if ttl is not None else None,
                issued_by=issued_by,
            )
            records[credential_id] = record
        return record, f"{TOKEN_PREFIX}{credential_id}_{secret}"

    def revoke(self, credential_id: str, by: str) -> CredentialRecord:
        """Refuse the credential from now on; raises ``UnknownCredential`` or ``AlreadyRevoked``."""
        with self._changing() as records:
            record = records.get(credential_id)
            if record is None:
                raise UnknownCredential(f"unknown credential {credential_id}: `ndtf credentials list` shows them")
            if record.revoked_at is not None:
                raise AlreadyRevoked(
                    f"credential {credential_id} was already revoked on {record.revoked_at:%Y-%m-%d %H:%MZ}"
                    f" by {record.revoked_by or 'someone'}"
                )
            record = record.model_copy(update={"revoked_at": self.clock(), "revoked_by": by})
            records[credential_id] = record
        return record


def credential_id_of(token: str) -> str | None:
    """The id inside a well-formed local token (it is not secret), else ``None``."""
    found = _TOKEN.fullmatch(token.strip())
    return found.group(1) if found else None


@dataclass
class DefaultsIssued:
    """What ``issue_defaults`` did: the profiles it issued a credential for, and those it kept."""

    issued: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)


def issue_defaults(
    members: list[str],
    reviewers: list[str],
    *,
    registry_path: Path | str | None = None,
    store_path: Path | str | None = None,
    ttl: timedelta | None = DEFAULT_TTL,
    issued_by: str = "make run",
    clock: Callable[[], datetime] = _now,
) -> DefaultsIssued:
    """A credential for every member NCB, every reviewer and the local administrator, in both files.

    Idempotent: a profile whose stored token still verifies (not revoked, not expired) is kept; any other
    gets a new credential. `make run` calls it, so each NCB and reviewer of the local run can act."""
    config = settings()
    registry = LocalCredentials(Path(registry_path) if registry_path else config.api_credential_registry, clock)
    store = Path(store_path) if store_path else config.notice_credentials
    wanted = [
        *(CredentialHolder.for_ncb(code) for code in members),
        *(CredentialHolder.for_reviewer(reviewer) for reviewer in reviewers),
        CredentialHolder.administrator(),
    ]
    tokens = read_store(store)
    done = DefaultsIssued()
    for holder in wanted:
        profile = holder.profile
        if profile in done.issued or profile in done.kept:
            continue
        current = tokens.get(profile)
        if current is not None:
            try:
                record = registry.verify(current)
            except CredentialRefused:
                record = None
            if record is not None and record.principal == holder:
                done.kept.append(profile)
                continue
        _, token = registry.issue(holder, ttl, issued_by)
        tokens[profile] = token
        done.issued.append(profile)
    if done.issued:
        with _locked(store):
            latest = read_store(store)
            latest.update({profile: tokens[profile] for profile in done.issued})
            _write_private(store, json.dumps(dict(sorted(latest.items())), indent=2) + "\n")
    return done


@dataclass(frozen=True)
class _Plain:
    kind: str
    subject: str
    ncb: str | None = None
    reviewer_id: str | None = None
