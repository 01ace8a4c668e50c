"""The `feedgate keys` commands: issue, list and revoke gateway keys from the shell."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from gateway.cli_database import prepared_database
from gateway.cli_help import described, settings_runner
from gateway.cli_signals import NOTHING_CHANGED, run_stoppable
from gateway.config import Settings
from gateway.config_checks import ConfigError
from gateway.domain.blank_text import blank_message, says_nothing
from gateway.domain.quoting import quoted

if TYPE_CHECKING:
    from gateway.store.keys import ListedKey

# The longest app name stored (gateway_keys.app, like every app column, is 200 characters).
MAX_APP_NAME = 200
# Said by `keys create` under the default mode, where the gateway forwards an app's own (upstream) key: an app sending
# the new key is refused there (gateway.proxy.credentials.GatewayKeyInPassThrough), so the operator hears it first.
PASS_THROUGH_WARNING = (
    "FEEDGATE_KEY_MODE is passthrough: gateway keys are taken only with FEEDGATE_KEY_MODE=gateway (key_mode in the"
    " config file); until the gateway runs so, an app sending this key is refused (401), and the key is not sent upstream"
)
# What a key id looks like, for the help (ids are UUIDv7s: gateway.store.keys).
EXAMPLE_KEY_ID = "0190f3a2-7c4e-7d3a-9b1e-2f6c8d4a5b10"


def keys_create(args: argparse.Namespace, settings_of: Callable[[argparse.Namespace], Settings]) -> None:
    """Issue a gateway key for an app and print it once."""
    from gateway.store.keys import GatewayKeyStore

    # Before the settings are read: a blank name is the mistake to tell, whatever else is.
    if says_nothing(args.app):  # the one rule: zero-width spaces (which str.strip keeps) name no app either
        raise ConfigError(blank_message("APP", "name the app the key is for (`feedgate keys create support-bot`)"))
    if len(args.app) > MAX_APP_NAME:
        raise ConfigError(f"the app's name must be at most {MAX_APP_NAME} characters, got {len(args.app)}")
    settings = settings_of(args)
    shown: list[str] = []

    async def issue() -> None:
        async with prepared_database(settings) as engine:
            key = await GatewayKeyStore(engine).issue(args.app)
            # At once: a stop while the database is let go of must not lose a key that is stored.
            print(f"key id:  {key.id}\napp:     {key.app}\nkey:     {key.raw_key}", flush=True)
            print("Store the key now: Feedgate keeps only its hash.", file=sys.stderr)
            if settings.key_mode == "passthrough":
                print(PASS_THROUGH_WARNING, file=sys.stderr)
            shown.append(key.id)

    def stopped() -> str:
        if shown:
            return f"key {shown[0]} was issued and is shown above; nothing else was left undone"
        return (
            "no key was issued (had the stop come as it was being stored, `feedgate keys list --app "
            f"{args.app}` would list it: revoke it); run `feedgate keys create` again"
        )

    run_stoppable(issue, stopped)


def keys_revoke(args: argparse.Namespace, settings: Settings) -> None:
    """Revoke a gateway key by id."""
    from gateway.store.keys import KEY_PREFIX, GatewayKeyStore

    if args.key_id.startswith(KEY_PREFIX):
        raise ConfigError(_pasted_key(args.key_id, settings))

    async def revoke() -> bool:
        async with prepared_database(settings, creates=False) as engine:
            return await GatewayKeyStore(engine).revoke(args.key_id)

    revoked = run_stoppable(
        revoke,
        f"{args.key_id} was not revoked; run `feedgate keys revoke {args.key_id}` again (it says if the key was "
        "revoked already)",
    )
    if not revoked:
        raise ConfigError(f"no live key with id {quoted(args.key_id)}")
    # Each running gateway process keeps a key's lookup for a while: say how long the key may still pass.
    print(
        f"revoked {args.key_id}: running gateways refuse it within {settings.key_cache_seconds:g} s (FEEDGATE_KEY_CACHE_SECONDS)"
    )


def _pasted_key(raw_key: str, settings: Settings) -> str:
    """Why `keys revoke` refuses a key given in place of its id: never the key (echoed, it stayed in the terminal and
    any log of the session), but the id to revoke, which `keys list` cannot tell among an app's keys."""
    from gateway.store.keys import GatewayKeyStore, LiveKey

    async def find() -> LiveKey | None:
        async with prepared_database(settings, reads_only=True) as engine:
            return await GatewayKeyStore(engine).live_key(raw_key)

    found = run_stoppable(find, NOTHING_CHANGED)
    said = "that is a key itself, not a key's id (a key is never printed back)"
    if found is None:
        return (
            f"{said}, and no live key is that one: it is revoked already, or was issued on another database; "
            "`feedgate keys list` shows the ids"
        )
    return f"{said}: it is key {found.id} of app {found.app}; revoke it with `feedgate keys revoke {found.id}`"


def keys_list(args: argparse.Namespace, settings: Settings) -> None:
    """List the gateway keys (never their values): id, app, when created, when revoked, and when last used."""
    from gateway.store.keys import GatewayKeyStore

    if args.app is not None and says_nothing(args.app):  # it listed "no live keys of app ''", as if the app had none
        raise ConfigError(blank_message("--app", "name the app whose keys to list, or leave it out for every app's"))

    async def listed() -> list[ListedKey]:
        async with prepared_database(settings, reads_only=True) as engine:
            return await GatewayKeyStore(engine).list(args.app, include_revoked=args.all)

    keys = run_stoppable(listed, NOTHING_CHANGED)
    if not keys:
        # Named: a misspelt --app lists nothing, as an app with no keys does.
        of_app = f" of app {quoted(args.app)}" if args.app is not None else ""
        said = f"no keys{of_app}" if args.all else f"no live keys{of_app} (--all shows revoked ones too)"
        print(said, file=sys.stderr)
        return
    for key in keys:
        revoked = f"  revoked {key.revoked_at:%Y-%m-%d %H:%M}" if key.revoked_at else ""
        # No recorded use: never used, or used only before Feedgate recorded keys' use (revision 0030).
        used = f"last used {key.last_used_at:%Y-%m-%d %H:%M}" if key.last_used_at else "no recorded use"
        print(f"{key.id}  {key.app}  created {key.created_at:%Y-%m-%d %H:%M}{revoked}  {used}")


def add_keys_commands(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
    settings_of: Callable[[argparse.Namespace], Settings],
) -> None:
    """Register `feedgate keys create|list|revoke`."""

    runner = settings_runner(settings_of)

    keys = commands.add_parser("keys", **described("gateway keys")).add_subparsers(dest="keys_command", required=True)
    create = keys.add_parser(
        "create", parents=[common], **described("issue a key for an app", "feedgate keys create support-bot")
    )
    create.add_argument("app", metavar="APP", help="the app's name, as it will appear in the API")
    create.set_defaults(run=lambda args: keys_create(args, settings_of))
    listing = keys.add_parser(
        "list",
        parents=[common],
        **described(
            "list keys: id, app, created, last used (never the key itself)",
            "feedgate keys list",
            "feedgate keys list --app support-bot --all",
        ),
    )
    listing.add_argument("--app", help="only this app's keys")
    listing.add_argument("--all", action="store_true", help="revoked keys too")
    listing.set_defaults(run=runner(keys_list))
    revoke = keys.add_parser(
        "revoke", parents=[common], **described("revoke a key by its id", f"feedgate keys revoke {EXAMPLE_KEY_ID}")
    )
    revoke.add_argument(
        "key_id",
        metavar="KEY_ID",
        help=f"the key's id, a UUID such as {EXAMPLE_KEY_ID}: `feedgate keys create` printed it (key id:), "
        "`feedgate keys list` shows it first on each line; not the key itself (fgk-…)",
    )
    revoke.set_defaults(run=runner(keys_revoke))
