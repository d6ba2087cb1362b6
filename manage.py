"""Hub administration from the command line: the demo, migrations, keys and staff users.

python manage.py demo                 run the simulator, the sidecar and the web app together
python manage.py reset-demo --yes     delete the demo's data so the next run starts fresh
python manage.py migrate              bring the database schema up to date
python manage.py generate-key         print a new key for HUB_SECRET_KEY or HUB_ENCRYPTION_KEY
python manage.py users list|create|disable|enable|reset-password
python manage.py offboard-company NAME --export FILE.zip   export, disconnect and erase a company's personal data
"""

from __future__ import annotations

import argparse
import getpass
import os
import shutil
import sys
from pathlib import Path

from core import companies, migrate, timeshift
from core import settings as hub_settings
from core.auth import COMMAND_LINE
from core.demo import seed as demo
from core.failures import STARTUP_ERRORS, Refusal
from core.hub import Hub, open_hub
from core.models.base import Role
from core.platform_api import keys as api_keys
from core.privacy import export, offboarding
from core.staff import users
from core.xero_access import readiness
from sandbox.control.auth import read_token


def _hub(*, ready: bool = True) -> Hub:
    hub = open_hub(hub_settings.load())
    if ready:
        hub.ensure_ready()
    return hub


def cmd_demo(args: argparse.Namespace) -> int:
    import launcher

    return launcher.run_demo(host=args.host, port=args.port, sandbox_port=args.sandbox_port, smtp_port=args.smtp_port)


def cmd_reset_demo(args: argparse.Namespace) -> int:
    import launcher

    data_dir = hub_settings.load_data_dir()
    os.environ.update(launcher.demo_keys(data_dir))
    hub = _hub(ready=False)
    try:
        migrate.require_current(hub.db)
        with hub.db.read() as session:
            if demo.is_seeded(session) and not demo.is_demo(session):
                print(
                    f"The database at {hub.db.label} holds data the demo launcher did not create; reset-demo "
                    "deletes only demo data, so nothing was deleted.",
                    file=sys.stderr,
                )
                return 1
    except STARTUP_ERRORS:
        pass  # empty, or from an older version: nothing worth protecting is there
    if not args.yes:
        answer = input(f"Delete the demo's database ({hub.db.label}) and simulator data under {data_dir}? [y/N] ")
        if answer.strip().lower() not in {"y", "yes"}:
            print("Nothing was deleted.")
            return 1
    if hub.db.dialect == "sqlite":
        hub.db.dispose()
        database = Path(hub.db.engine.url.database or "")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{database}{suffix}").unlink(missing_ok=True)
    else:
        migrate.downgrade(hub.db, "base")
    shutil.rmtree(data_dir / "sandbox", ignore_errors=True)
    print("The demo data is gone; the next `python manage.py demo` starts fresh.")
    return 0


def cmd_migrate(_args: argparse.Namespace) -> int:
    hub = _hub(ready=False)
    hub.db.check()
    before = migrate.current_revision(hub.db)
    migrate.upgrade(hub.db)
    hub.ensure_ready()
    after = migrate.current_revision(hub.db)
    print(f"{hub.db.label}: {'already at' if before == after else f'migrated from {before} to'} {after}.")
    return 0


def _simulator_token(hub: Hub) -> str | None:
    """The demo simulator's control token: the launcher's, or the one the simulator wrote to its data folder."""
    token = os.environ.get("SANDBOX_CONTROL_TOKEN", "").strip()
    return token or read_token(hub.settings.data_dir / "sandbox")


def cmd_clock(args: argparse.Namespace) -> int:
    hub = _hub()
    if not hub.settings.shared_clock:
        print("The shared clock is off: set HUB_DEMO=1 or HUB_SHARED_CLOCK=1 (never in production).", file=sys.stderr)
        return 1
    seconds = args.days * 86400 + args.hours * 3600 + args.minutes * 60
    simulator = hub.settings.xero_api_url if hub.settings.demo else None
    new = timeshift.advance(hub.db, seconds, simulator_url=simulator, simulator_token=_simulator_token(hub))
    print(
        f"Every process's clock is now {new / 86400:.2f} days ahead" + (" (the simulator's too)." if simulator else ".")
    )
    return 0


def cmd_api_keys(args: argparse.Namespace) -> int:
    hub = _hub()
    with hub.db.write() as session:
        if args.action == "create":
            if (args.company is None) == (not args.all_companies):
                raise api_keys.ApiKeyError("Say what the key reaches: --company ID, or --all-companies.")
            row, key = api_keys.create(
                session, COMMAND_LINE, args.name or "", company_id=args.company, write=not args.read_only
            )
            print(f"Key for {row.name} (shown once): {key}")
        elif args.action == "revoke":
            if not (args.name or "").isdigit():
                raise api_keys.ApiKeyError("Give the id of the key to revoke (see `api-keys list`).")
            row = api_keys.revoke(session, COMMAND_LINE, int(args.name))
            print(f"Revoked {row.name} ({row.prefix}…).")
        else:
            for row in api_keys.list_keys(session, COMMAND_LINE):
                state = "revoked" if row.revoked_at else "active"
                print(f"{row.id:>4}  {row.prefix}…  {state:<8} {row.name}")
    return 0


def cmd_generate_key(_args: argparse.Namespace) -> int:
    import launcher

    print(launcher.generate_key())
    return 0


def _company_id(hub: Hub, name: str | None) -> int | None:
    if not name:
        return None
    with hub.db.read() as session:
        for company in companies.list_visible(session, COMMAND_LINE):
            if company.name.lower() == name.lower():
                return company.id
    raise users.UserError(f"No company is called {name!r}.")


def _user_id(hub: Hub, email: str) -> int:
    with hub.db.read() as session:
        user = users.get_by_email(session, email)
    if user is None:
        raise users.UserError(f"No staff user has the email {email}.")
    return user.id


def cmd_users(args: argparse.Namespace) -> int:
    hub = _hub()
    if args.action == "list":
        with hub.db.read() as session:
            for user in users.list_users(session, COMMAND_LINE):
                state = "disabled" if user.is_disabled else "active"
                company = f" · {user.company.name}" if user.company else ""
                print(f"{user.email:<40} {user.role.label:<16} {state}{company}")
        return 0
    if args.action == "create":
        password = args.password or getpass.getpass("Password for the new user (empty to generate one): ")
        chosen = password or users.generate_password()
        draft = users.UserDraft(
            email=args.email,
            name=args.name or args.email.split("@")[0],
            role=Role(args.role),
            company_id=_company_id(hub, args.company),
            is_company_admin=args.company_admin,
        )
        with hub.db.write() as session:
            users.create(session, COMMAND_LINE, draft, chosen)
        print(f"Created {draft.email}." + ("" if password else f" Password: {chosen}"))
        return 0
    user_id = _user_id(hub, args.email)
    with hub.db.write() as session:
        if args.action in {"disable", "enable"}:
            users.set_disabled(session, COMMAND_LINE, user_id, args.action == "disable")
            print(f"{args.email} is {args.action}d.")
        else:
            fresh = users.reset_password(session, COMMAND_LINE, user_id, args.password)
            print(f"New password for {args.email}: {fresh}" if not args.password else "Password changed.")
    return 0


def cmd_check_xero(_args: argparse.Namespace) -> int:
    """The checklist for pointing the hub at its Xero: what passed, what failed, what a person must do."""
    lines = readiness.check(_hub())
    marks = {readiness.OK: "[ok]    ", readiness.FAILED: "[FAILED]", readiness.TO_DO: "[to do] "}
    for line in lines:
        print(f"{marks[line.status]} {line.title}" + (f"\n           {line.detail}" if line.detail else ""))
    return 1 if any(line.status == readiness.FAILED for line in lines) else 0


def cmd_offboard(args: argparse.Namespace) -> int:
    hub = _hub()
    with hub.db.read() as session:
        found = [c.id for c in companies.list_visible(session, COMMAND_LINE) if c.name == args.company]
        if not found:
            print(f"No company is called {args.company!r}; `users list` shows the companies.", file=sys.stderr)
            return 1
        shown = offboarding.preview(session, COMMAND_LINE, found[0])
        data = None if args.no_export else export.zip_bytes(session, COMMAND_LINE, found[0])
    print(f"Offboarding {shown.name}:\n" + "\n".join(f"  - {words}" for words in shown.words))
    if data is not None:
        Path(args.export).write_bytes(data)
        with hub.db.write() as session:
            export.record_export(session, COMMAND_LINE, shown.company_id)
        print(f"Exported to {args.export}.")
    typed = args.confirm if args.confirm is not None else input("Type the company's name to confirm: ")
    with hub.db.write() as session:
        offboarding.offboard(session, COMMAND_LINE, shown.company_id, typed_name=typed)
    print(f"{shown.name} is offboarded.")
    return 0


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="python manage.py", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = root.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo", help="run the simulator, the sidecar and the web app with demo data")
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=int, default=8501, help="web app port (default 8501)")
    demo.add_argument("--sandbox-port", type=int, default=8765, help="Xero simulator port (default 8765)")
    demo.add_argument(
        "--smtp-port", type=int, default=None, help="the demo's mail sink port (default 8025, or any free one)"
    )
    demo.set_defaults(func=cmd_demo)

    reset = sub.add_parser("reset-demo", help="delete the demo's database and simulator data")
    reset.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    reset.set_defaults(func=cmd_reset_demo)

    sub.add_parser("migrate", help="bring the database schema up to date").set_defaults(func=cmd_migrate)
    sub.add_parser("generate-key", help="print a new random key").set_defaults(func=cmd_generate_key)
    sub.add_parser("check-xero", help="check the Xero configuration and print what is left to do").set_defaults(
        func=cmd_check_xero
    )

    keys = sub.add_parser("api-keys", help="the platform's API keys: list, create NAME, revoke ID")
    keys.add_argument("action", choices=["list", "create", "revoke"])
    keys.add_argument("name", nargs="?", help="the platform's name (create) or the key's id (revoke)")
    keys.add_argument("--company", type=int, help="create: the one company the key reaches")
    keys.add_argument("--all-companies", action="store_true", help="create: the key reaches every company")
    keys.add_argument("--read-only", action="store_true", help="create: the key reads the feed, sends no events")
    keys.set_defaults(func=cmd_api_keys)

    moved = sub.add_parser("clock", help="move the demo's clock forward for every process (and the simulator)")
    moved.add_argument("--days", type=float, default=0)
    moved.add_argument("--hours", type=float, default=0)
    moved.add_argument("--minutes", type=float, default=0)
    moved.set_defaults(func=cmd_clock)

    people = sub.add_parser("users", help="manage staff users")
    people.add_argument("action", choices=["list", "create", "disable", "enable", "reset-password"])
    people.add_argument("email", nargs="?", help="the user's email (all actions but list)")
    people.add_argument("--name", help="full name (create)")
    people.add_argument("--role", choices=[r.value for r in Role], default=Role.SUPPORT.value, help="(create)")
    people.add_argument("--company", help="company name, for finance managers (create)")
    people.add_argument("--company-admin", action="store_true", help="may connect Xero (create)")
    people.add_argument("--password", help="set this password instead of asking or generating one")
    people.set_defaults(func=cmd_users)

    leave = sub.add_parser("offboard-company", help="export a company's data, disconnect it and erase personal data")
    leave.add_argument("company", help="the company's name, exactly")
    where = leave.add_mutually_exclusive_group(required=True)
    where.add_argument("--export", metavar="FILE", help="write the company's data here first (a ZIP of CSV files)")
    where.add_argument("--no-export", action="store_true", help="offboard without an export")
    leave.add_argument("--confirm", metavar="NAME", help="the company's name again, instead of typing it when asked")
    leave.set_defaults(func=cmd_offboard)
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if getattr(args, "action", "list") != "list" and args.command == "users" and not args.email:
        print(f"`users {args.action}` needs the user's email.", file=sys.stderr)
        return 2
    try:
        return int(args.func(args))
    except STARTUP_ERRORS as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 2
    except (users.UserError, companies.CompanyError, api_keys.ApiKeyError, Refusal) as exc:
        print(f"Refused: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
