"""The `feedgate user` commands: manage the people who sign in to the admin pages."""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Awaitable, Callable
from typing import TypeVar

from gateway.accounts.errors import AccountError
from gateway.accounts.passwords import check_password_rules
from gateway.accounts.records import ROLE_ORDER, Role, User
from gateway.accounts.rules import MAX_NAME_LENGTH, parse_role
from gateway.accounts.service import AccountService
from gateway.cli_database import missing_sqlite_file, on_database
from gateway.cli_help import described, settings_runner
from gateway.cli_signals import NOTHING_CHANGED, run_stoppable
from gateway.config import Settings
from gateway.config_checks import ConfigError

T = TypeVar("T")
# Who the audit log names for changes made on the command line.
CLI_ACTOR = "cli"
# The help of a command's NAME that names a user there is.
A_USERS_NAME = "the user's name, as `feedgate user list` shows it first on each line"


def _with_accounts(
    settings: Settings,
    work: Callable[[AccountService], Awaitable[T]],
    *,
    creates: bool = False,
    reads_only: bool = False,
) -> T:
    """Run `work` with an AccountService on the prepared database; account errors exit with status 2.

    Only `user add` may begin a SQLite database (`creates`): a mistyped path for any other command is
    refused, not made into an empty database that then "has no user called X". `reads_only`: the
    schema is not migrated either (gateway.cli_database).
    """
    from gateway.accounts.setup import account_service

    async def run() -> T:
        return await on_database(
            settings,
            lambda engine: work(account_service(engine, settings)),
            creates=creates,
            reads_only=reads_only,
        )

    try:
        # One transaction each (with its audit record): a stop rolls it back.
        return run_stoppable(run, NOTHING_CHANGED)
    except AccountError as exc:
        raise ConfigError(exc.message) from None


def _password(args: argparse.Namespace) -> str:
    """The new password: stdin's first line with --password-stdin (no prompt), else typed twice."""
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        raise ConfigError("no terminal to ask for the password on: pass it with --password-stdin")
    password = getpass.getpass("Password: ")
    try:
        # Told at once: it was asked for a second time, then refused for its length.
        check_password_rules(password)
    except AccountError as exc:
        raise ConfigError(exc.message) from None
    if getpass.getpass("Again: ") != password:
        raise ConfigError("the two passwords differ")
    return password


def _describe(user: User) -> str:
    state = "disabled" if user.disabled else "enabled"
    last = user.last_sign_in_at.strftime("%Y-%m-%d %H:%M UTC") if user.last_sign_in_at else "never"
    return f"{user.name}\t{user.role.value}\t{state}\tlast sign-in: {last}"


def user_add(args: argparse.Namespace, settings: Settings) -> None:
    """Create a user who can sign in to the admin pages."""
    role = _parse_role(args.role)
    password = _password(args)
    # Run in another folder than the gateway's, it makes a new ./feedgate.db the gateway never reads: say so.
    new_file = missing_sqlite_file(settings.database_url)
    user = _with_accounts(
        settings, lambda accounts: accounts.create(args.name, role, password, actor=CLI_ACTOR), creates=True
    )
    print(f"added {user.name} ({user.role.value})")
    if new_file is not None:
        print(
            f"note: there was no database at {new_file.resolve()} ({settings.origin_of('database_url')}), so a new "
            f"one was made there for {user.name}; {user.name} can sign in only at a gateway that uses this database"
        )


def user_list(args: argparse.Namespace, settings: Settings) -> None:
    """Print every user: name, role, enabled or disabled, last sign-in."""
    for user in _with_accounts(settings, lambda accounts: accounts.list(), reads_only=True):
        print(_describe(user))


def user_disable(args: argparse.Namespace, settings: Settings) -> None:
    """Bar a user from signing in and end their sessions."""
    user = _with_accounts(settings, lambda accounts: accounts.disable(args.name, actor=CLI_ACTOR))
    print(f"disabled {user.name}")


def user_enable(args: argparse.Namespace, settings: Settings) -> None:
    """Let a disabled user sign in again."""
    user = _with_accounts(settings, lambda accounts: accounts.enable(args.name, actor=CLI_ACTOR))
    print(f"enabled {user.name}")


def user_unlock(args: argparse.Namespace, settings: Settings) -> None:
    """Let a user sign in again now, however many failed sign-ins were made on their name."""
    forgotten = _with_accounts(settings, lambda accounts: accounts.unlock(args.name, actor=CLI_ACTOR))
    print(f"unlocked {args.name}: forgot {forgotten} failed sign-in{'' if forgotten == 1 else 's'}")


def user_set_role(args: argparse.Namespace, settings: Settings) -> None:
    """Give a user another role."""
    role = _parse_role(args.role)
    user = _with_accounts(settings, lambda accounts: accounts.set_role(args.name, role, actor=CLI_ACTOR))
    print(f"{user.name} is now {user.role.value}")


def user_set_password(args: argparse.Namespace, settings: Settings) -> None:
    """Replace a user's password; their sessions end."""
    password = _password(args)
    _with_accounts(settings, lambda accounts: accounts.set_password(args.name, password, actor=CLI_ACTOR))
    print(f"password of {args.name} changed")


def _parse_role(value: str) -> Role:
    try:
        return parse_role(value)
    except AccountError as exc:
        raise ConfigError(exc.message) from None


def add_user_commands(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
    settings_of: Callable[[argparse.Namespace], Settings],
) -> None:
    """Register `feedgate user add|list|disable|enable|unlock|set-role|set-password`."""

    runner = settings_runner(settings_of)

    roles = ", ".join(role.value for role in ROLE_ORDER)
    user = commands.add_parser("user", **described("admin page users")).add_subparsers(
        dest="user_command", required=True
    )

    add = user.add_parser(
        "add",
        parents=[common],
        **described(
            "create a user",
            "feedgate user add alice --role admin",
            "feedgate user add bob --role reviewer --password-stdin",
            epilog="Without --password-stdin it asks for the password twice; with it, it reads the first line of "
            'stdin: echo "$PASSWORD" | feedgate user add bob --role reviewer --password-stdin.',
        ),
    )
    add.add_argument(
        "name",
        metavar="NAME",
        help=f"the name they sign in with: any characters but control ones, at most {MAX_NAME_LENGTH}, spaces "
        "around it dropped; no two users share one, whatever the case",
    )
    add.add_argument("--role", required=True, help=f"one of {roles}")
    add.add_argument("--password-stdin", action="store_true", help="read the password from stdin (no prompt)")
    add.set_defaults(run=runner(user_add))

    listing = user.add_parser("list", parents=[common], **described("list users", "feedgate user list"))
    listing.set_defaults(run=runner(user_list))

    for name, command, summary in (
        ("disable", user_disable, "bar a user from signing in"),
        ("enable", user_enable, "let a disabled user sign in again"),
        ("unlock", user_unlock, "forget failed sign-ins on a user's name, so they may sign in now"),
    ):
        parser = user.add_parser(name, parents=[common], **described(summary, f"feedgate user {name} bob"))
        parser.add_argument("name", metavar="NAME", help=A_USERS_NAME)
        parser.set_defaults(run=runner(command))

    set_role = user.add_parser(
        "set-role", parents=[common], **described("change a user's role", "feedgate user set-role bob reviewer")
    )
    set_role.add_argument("name", metavar="NAME", help=A_USERS_NAME)
    set_role.add_argument("role", metavar="ROLE", help=f"one of {roles}")
    set_role.set_defaults(run=runner(user_set_role))

    set_password = user.add_parser(
        "set-password",
        parents=[common],
        **described(
            "change a user's password",
            "feedgate user set-password bob",
            "feedgate user set-password bob --password-stdin",
        ),
    )
    set_password.add_argument("name", metavar="NAME", help=A_USERS_NAME)
    set_password.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    set_password.set_defaults(run=runner(user_set_password))
