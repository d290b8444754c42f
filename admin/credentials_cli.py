"""`ndtf credentials issue|revoke|list`: the local credentials of the API, one per NCB, per reviewer and
for the local administrator.

For now an administrator's action on the machine that runs the service: it works on the files directly,
the server's registry (``API_CREDENTIAL_REGISTRY``: a hash of each secret, never the secret) and the
commands' store (``NOTICE_CREDENTIALS``: the token of each profile). A token is printed once, when it is
issued. Exit codes as the other commands: 2 bad input, 3 refused, 4 unknown credential.
"""

from __future__ import annotations

import getpass
import sys
from datetime import UTC, datetime, timedelta
from typing import Annotated

import typer

from runtime.cli import (
    EXIT_FAILED,
    EXIT_INVALID,
    EXIT_REFUSED,
    EXIT_UNKNOWN,
    CliError,
    JsonFlag,
    console,
    country_code,
    fields,
    print_json,
    report,
    table,
)
from runtime.config import settings
from runtime.credentials import (
    AlreadyRevoked,
    CredentialError,
    CredentialHolder,
    LocalCredentials,
    UnknownCredential,
    credential_id_of,
    read_store,
    store_token,
)

credentials_app = typer.Typer(
    help="The API's local credentials: issue one for an NCB, a reviewer or the administrator; revoke; list.",
    no_args_is_help=True,
)


def _registry() -> LocalCredentials:
    return LocalCredentials(settings().api_credential_registry)


def _administrator() -> str:
    """Who issues or revokes, for the registry: the account on this machine."""
    try:
        return f"admin:{getpass.getuser()}"
    except Exception:  # noqa: BLE001 - no login name (a container): still an administrator's action
        return "admin:local"


@credentials_app.command("issue")
def issue(
    ncb: Annotated[str | None, typer.Option("--ncb", help="For this NCB's integration (ISO code, e.g. FR)")] = None,
    reviewer: Annotated[str | None, typer.Option("--reviewer", help="For this reviewer (roster id)")] = None,
    admin: Annotated[bool, typer.Option("--admin", help="For the local administrator")] = False,
    ttl_days: Annotated[int, typer.Option("--ttl-days", min=1, max=3650, help="Days it stays valid")] = 90,
    as_json: JsonFlag = False,
) -> None:
    """Issue a credential, print its token once and keep it in the commands' store (NOTICE_CREDENTIALS)."""
    chosen = [name for name, given in (("--ncb", ncb), ("--reviewer", reviewer), ("--admin", admin)) if given]
    if len(chosen) != 1:
        report(CliError(EXIT_INVALID, "say whom the credential is for: exactly one of --ncb CC, --reviewer ID, "
                                      f"--admin{f' (got {chosen[0]} and {chosen[1]})' if len(chosen) > 1 else ''}"))
    try:
        if ncb is not None:
            holder = CredentialHolder.for_ncb(country_code(ncb))
        elif reviewer is not None:
            holder = CredentialHolder.for_reviewer(reviewer)
        else:
            holder = CredentialHolder.administrator()
    except CredentialError as error:
        report(CliError(EXIT_INVALID, str(error)))
    store = settings().notice_credentials
    try:
        record, token = _registry().issue(holder, timedelta(days=ttl_days), _administrator())
        store_token(holder.profile, token, store)
    except CredentialError as error:
        report(CliError(EXIT_FAILED, str(error)))
    if as_json:
        print_json({"credential": record.public(), "profile": holder.profile, "token": token})
        return
    out = console()
    out.print(fields([("credential", record.id), ("for", record.principal.subject), ("expires", record.expires_at),
                      ("stored as", f"profile {holder.profile} in {store}")]))
    out.print("token (shown once; the server keeps only its hash):", markup=False)
    sys.stdout.write(token + "\n")


@credentials_app.command("revoke")
def revoke(
    credential_id: Annotated[str, typer.Argument(help="The credential's id (`ndtf credentials list`)")],
    as_json: JsonFlag = False,
) -> None:
    """Revoke a credential: the API refuses it from now on."""
    credential_id = credential_id.strip()
    if credential_id.startswith("nrk_"):
        report(CliError(EXIT_INVALID, "give the credential's id, not its token (`ndtf credentials list` shows ids)"))
    try:
        record = _registry().revoke(credential_id, _administrator())
    except UnknownCredential as error:
        report(CliError(EXIT_UNKNOWN, str(error)))
    except AlreadyRevoked as error:
        report(CliError(EXIT_REFUSED, str(error)))
    except CredentialError as error:
        report(CliError(EXIT_FAILED, str(error)))
    store = settings().notice_credentials
    try:  # a token that no longer works is not offered by the commands any more
        for profile, token in read_store(store).items():
            if credential_id_of(token) == credential_id:
                store_token(profile, None, store)
    except CredentialError as error:
        sys.stderr.write(f"revoked, but the store was not cleaned: {error}\n")
    if as_json:
        print_json(record.public())
        return
    console().print(f"revoked credential {record.id} of {record.principal.subject}", markup=False)


@credentials_app.command("list")
def list_credentials(as_json: JsonFlag = False) -> None:
    """Every credential issued here: id, principal, issued, expires, revoked (never a secret)."""
    try:
        records = _registry().list()
    except CredentialError as error:
        report(CliError(EXIT_FAILED, str(error)))
    now = datetime.now(UTC)
    if as_json:
        print_json([{**record.public(), "status": record.status(now)} for record in records])
        return
    if not records:
        console().print("no credentials issued yet: `ndtf credentials issue --ncb CC` issues one", markup=False)
        return
    console().print(table(None, ["id", "principal", "issued", "expires", "revoked", "status", "issued by"], (
        (r.id, r.principal.subject, r.issued_at, r.expires_at, r.revoked_at, r.status(now), r.issued_by)
        for r in records
    )))
