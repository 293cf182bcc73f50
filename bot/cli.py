"""Command line: ``python -m bot.cli {run,gateway,migrate,train,check,...}``.

``run`` starts every process of the embedded set-up (action + NLG server, Rasa server, gateway)
on loopback, waits until each is ready, prints what runs where, and stops them all on Ctrl-C;
``run --scaled`` does the same with replicas (see ``bot.topology``).
"""

from __future__ import annotations

import argparse
import getpass
import logging
import os
import sys
import time
from contextlib import suppress
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import uvloop

from bot import topology
from bot.centres import load_centres
from bot.constants import LANGUAGES
from bot.i18n import translations
from bot.logging_setup import configure_logging, leave_terminal
from bot.nlg.templates import load_templates
from bot.settings import PROJECT_ROOT, ConfigError, Settings, content_hash, load_settings
from bot.storage.db import migrate
from bot.storage.keys import data_keys
from bot.training import TrainingFailed, run_logged

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

logger = logging.getLogger("bot.cli")
MODELS_DIR = PROJECT_ROOT / "models"
# Rasa's rules live in flows/rasa/; the questionnaire and the crisis phrase lists beside it in
# flows/ are read by the gateway, not learned: changing them needs no new model.
RASA_RULES = "flows/rasa"
TRAINING_INPUTS = ("nlu", RASA_RULES, "domain.yml", "config.yml")
# What the processes write (var/, the database and its WAL, the data key, logs, reports) holds
# people's data or opens it: the operator's alone, files 0600 and directories 0700.
PRIVATE_UMASK = 0o077


def keep_private(var_dir: Path) -> None:
    """Set the umask before anything is written, for this process and every process it starts
    (Rasa, the action server, gateway replicas inherit it), and close var/ to others: one
    created before this was 0755, with 0644 files in it."""
    os.umask(PRIVATE_UMASK)
    var_dir.mkdir(parents=True, exist_ok=True)
    if var_dir.stat().st_uid == os.getuid():
        var_dir.chmod(0o700)


def training_hash(root: Path = PROJECT_ROOT) -> str:
    """Content hash of everything the model is trained from."""
    files = []
    for name in TRAINING_INPUTS:
        path = root / name
        files += sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    return content_hash(files, root)[:16]


def model_path() -> Path:
    return MODELS_DIR / f"model-{training_hash()}.tar.gz"


def shown(path: Path) -> str:
    """A path as a person would type it: relative to the project when inside it."""
    return str(path.relative_to(PROJECT_ROOT)) if path.is_relative_to(PROJECT_ROOT) else str(path)


def train(log_dir: Path, force: bool = False) -> Path:
    """Train unless a model for the current training data already exists."""
    target = model_path()
    if target.exists() and not force:
        print(f"model is up to date: {shown(target)}")
        return target
    log_path = log_dir / "train.log"
    print(f"training the model (a minute or two); Rasa's output goes to {shown(log_path)}")
    started = time.monotonic()
    command = [
        str(Path(sys.executable).parent / "rasa"),
        "train",
        "--data", "nlu", RASA_RULES,
        "--config", "config.yml",
        "--domain", "domain.yml",
        "--out", str(MODELS_DIR),
        "--fixed-model-name", target.name.removesuffix(".tar.gz"),
    ]  # fmt: skip
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false"}
    try:
        run_logged(command, log_path, PROJECT_ROOT, env)
    except TrainingFailed as error:
        sys.exit(f"training failed: {error}\nRasa's whole output: {shown(log_path)}")
    print(f"trained {shown(target)} in {time.monotonic() - started:.1f} s")
    return target


def check_config(settings: Settings) -> None:
    """Fail fast, naming file and field, before any process starts."""
    from bot.directory import load_services
    from bot.questionnaire.definition import load_definition

    load_services(settings.services_file, load_centres(settings.centres_file))
    load_definition()
    load_templates()
    for language in LANGUAGES:
        translations(language)
    data_keys(settings)


def import_services(settings: Settings, only_if_differs: bool) -> str | None:
    """Load the service directory file into the database (validated first); return a line
    saying what was done, or what to do. ``only_if_differs``: as at start-up, leave a
    directory that agrees with the file alone, and one edited in the console too."""
    from bot import directory, directory_sync
    from bot.storage.db import make_engine, session_factory

    entries = directory.load_services(settings.services_file, load_centres(settings.centres_file))
    source = shown(settings.services_file)
    sessions = session_factory(make_engine(settings.database_url))
    with sessions.begin() as session:
        if only_if_differs:
            return directory_sync.synchronise(session, entries, source)
        return f"imported {directory_sync.import_file(session, entries, source)} services"


def prepare(settings: Settings) -> Path:
    """Checks, migrations and the directory's import when safe; returns the model to serve."""
    check_config(settings)
    migrate(settings.database_url)
    news = import_services(settings, only_if_differs=True)
    if news is not None:
        print(news)
        logger.info("%s", news)
    model = model_path()
    if not model.exists():
        raise ConfigError(f"{model.relative_to(PROJECT_ROOT)} is missing: run `make train`")
    return model


def run(settings: Settings) -> None:
    from bot.gateway.service import build_core, serve_telegram, serve_terminal

    log_dir = settings.var_dir / "logs"
    # Migrations, jobs and library warnings go to the file: the terminal may be the chat.
    configure_logging(log_file=log_dir / "gateway.log")
    model = prepare(settings)
    started = time.monotonic()
    processes = topology.embedded(settings, model, log_dir)
    try:
        print("starting the action + NLG server and the Rasa server...")
        processes.start()
        print(f"ready in {time.monotonic() - started:.1f} s")
        print(f"  {'action + NLG server':20} {processes['actions'].health_url}")
        print(f"  {'Rasa server':20} {processes['rasa'].health_url}")
        print(f"  {'logs':20} {shown(log_dir)}/ (gateway.log, actions.log, rasa.log)")
        core = build_core(settings)
        gateway = f"http://{settings.gateway_host}:{settings.gateway_port}"
        print(f"  {'gateway health':20} {gateway}/health")
        print(f"  {'caseworker console':20} {gateway}/console/")
        if settings.mode == "console":
            print(f"  {'chat':20} here, in the terminal (no TELEGRAM_BOT_TOKEN)\n")
            leave_terminal()
            uvloop.run(serve_terminal(settings, core))
        else:
            print(f"  {'chat':20} Telegram ({settings.mode})\n")
            uvloop.run(serve_telegram(settings, core))
    except KeyboardInterrupt:
        pass
    finally:
        processes.stop()


def run_scaled(settings: Settings, gateways: int) -> None:
    """Every replica on loopback; a process that dies is started again (as systemd would)."""
    model = prepare(settings)
    started = time.monotonic()
    log_dir = settings.var_dir / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    processes = topology.scaled(settings, model, log_dir, gateways)
    try:
        processes.start()
        print(f"ready in {time.monotonic() - started:.1f} s")
        for service in processes.services:
            print(f"  {service.name:20} {service.health_url}")
        print(f"  {'metrics':20} /metrics on each gateway")
        print(f"  {'logs':20} {log_dir}\n")
        while True:
            time.sleep(1.0)
            for service in processes.services:
                if not service.running():
                    logger.warning("%s stopped; starting it again", service.name)
                    service.start()
    except KeyboardInterrupt:
        pass
    finally:
        processes.stop()


def gateway(settings: Settings) -> None:
    """One gateway replica (scaled mode): Rasa and the action server run elsewhere."""
    from bot.gateway.service import build_core, serve_telegram

    if settings.mode == "console":
        raise ConfigError("a gateway replica needs TELEGRAM_BOT_TOKEN")
    check_config(settings)
    migrate(settings.database_url)
    with suppress(KeyboardInterrupt):
        uvloop.run(serve_telegram(settings, build_core(settings)))


def caseworker_command(settings: Settings, args: argparse.Namespace) -> None:
    """Manage console accounts: create, disable, enable, reset, set (role, centre), list, and
    the sessions an account has open (sessions, end-sessions)."""
    from bot.console import auth, login_sessions
    from bot.storage.db import make_engine, session_factory
    from bot.storage.keys import cipher

    migrate(settings.database_url)
    box = cipher(data_keys(settings))
    sessions = session_factory(make_engine(settings.database_url))
    known_centres = {centre.code for centre in load_centres(settings.centres_file)}

    def password() -> str:
        if args.password_stdin:
            return sys.stdin.readline().rstrip("\n")
        return getpass.getpass("password (12 characters or more, not a common one): ")

    with sessions.begin() as session:
        if args.action == "list":
            for account in auth.list_accounts(session):
                state = "active" if account.active else "disabled"
                centre = account.centre_code or "-"
                print(f"{account.username:20} {account.role:11} {centre:12} {state}")
            return
        try:
            if args.action in ("disable", "enable"):
                auth.set_active(session, args.username, args.action == "enable")
                print(f"{args.username}: {args.action}d")
                return
            if args.action == "sessions":
                account = auth.find_account(session, args.username)
                if account is None:
                    raise ValueError(f"no account named {args.username!r}")
                for row in login_sessions.open_sessions(session, account.id, datetime.utcnow()):
                    print(
                        f"since {row.created_at:%Y-%m-%d %H:%M} UTC, last seen "
                        f"{row.last_seen_at:%Y-%m-%d %H:%M} UTC, from {row.address or '-'}"
                    )
                return
            if args.action == "end-sessions":
                print(f"{args.username}: {auth.end_sessions(session, args.username)} ended")
                return
            if args.action == "set":
                change_account(session, args, known_centres)
                return
            if args.action == "create":
                _, enrolment = auth.create_account(
                    session, box, args.username, password(), args.role or "caseworker",
                    args.centre, known_centres,
                )  # fmt: skip
            else:
                enrolment = auth.reset_account(session, box, args.username, password())
        except ValueError as error:
            sys.exit(f"error: {error}")
    print("Add this to the caseworker's authenticator app (as a QR code or by hand):")
    print(enrolment.uri)
    print(
        "\nRecovery codes: each logs in once instead of a code from the app (a lost phone).\n"
        "Give them to the caseworker to keep apart from the phone; they are not shown again:"
    )
    for code in enrolment.recovery_codes:
        print(f"  {code}")


def change_account(session: Session, args: argparse.Namespace, known: set[str]) -> None:
    """``caseworker set NAME [--role R] [--centre C | --no-centre]``: what is not given stays."""
    from bot.console import auth

    account = auth.find_account(session, args.username)
    if account is None:
        raise ValueError(f"no account named {args.username!r}")
    role = args.role or account.role
    centre = None if args.no_centre else args.centre or account.centre_code
    if auth.change_account(session, args.username, role, centre, known):
        print(f"{args.username}: {role}, centre {centre or '-'}; its sessions are ended")
    else:
        print(f"{args.username}: unchanged")


def purge(settings: Settings) -> None:
    """Apply the retention periods now (the running app also does it every hour)."""
    from bot.storage.db import make_engine, session_factory
    from bot.storage.retention import RetentionPolicy, purge_and_scrub

    migrate(settings.database_url)
    sessions = session_factory(make_engine(settings.database_url))
    counts = purge_and_scrub(sessions, datetime.utcnow(), RetentionPolicy.from_settings(settings))
    print("removed: " + ", ".join(f"{what} {n}" for what, n in counts.items()))


def report(settings: Settings, args: argparse.Namespace) -> None:
    """Aggregate figures per centre and month as CSV and a PNG chart; small counts suppressed."""
    from bot import reports
    from bot.storage.db import make_engine, session_factory

    migrate(settings.database_url)
    sessions = session_factory(make_engine(settings.database_url))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with sessions.begin() as session:
        month = args.month or datetime.utcnow().strftime("%Y-%m")
        built = reports.build_report(session, month, args.centre, args.language)
    name = f"report-{month}-{args.centre or 'all'}"
    csv = reports.write_csv(built, out / f"{name}.csv")
    chart = reports.write_chart(built, out / f"{name}.png")
    for row in built.rows:
        print(f"{row.section:45} {row.label:40} {row.value}")
    print(f"\nwritten: {csv}, {chart}")


def posters(settings: Settings, args: argparse.Namespace) -> None:
    """Printable posters (A4 PDF + PNG) with the QR code of each centre's deep link."""
    from bot.posters import write_poster

    username = args.bot or settings.telegram_bot_username
    if not username:
        raise ConfigError("the bot's username is needed: --bot NAME or TELEGRAM_BOT_USERNAME")
    centres = load_centres(settings.centres_file)
    chosen = [centres.get(args.centre)] if args.centre else list(centres)
    if None in chosen:
        raise ConfigError(f"{settings.centres_file}: no centre {args.centre!r}")
    sheets = [list(LANGUAGES)] if args.language == "all" else [[args.language]]
    if args.language == "each":
        sheets = [[language] for language in LANGUAGES]
    out = Path(args.out)
    for centre in chosen:
        for languages in sheets:
            png, pdf = write_poster(centre, languages, username, out)
            print(f"{pdf}  {png}")


def rotate_key(settings: Settings) -> None:
    """New data key first, every encrypted value re-encrypted with it; old keys kept."""
    from bot.storage.db import make_engine, session_factory
    from bot.storage.keys import add_key, cipher
    from bot.storage.rotation import rotate_all

    migrate(settings.database_url)
    keys = add_key(settings)
    sessions = session_factory(make_engine(settings.database_url))
    with sessions.begin() as session:
        counts = rotate_all(session, cipher(keys))
    print("re-encrypted: " + ", ".join(f"{table} {n}" for table, n in counts.items()))
    if settings.data_key is not None:
        print("Set BOT_DATA_KEY to this value (keep it secret) before the next start:")
        print(",".join(k.decode() for k in keys))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bot.cli", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    run_parser = commands.add_parser(
        "run", help="start every process and chat (terminal or Telegram)"
    )
    run_parser.add_argument(
        "--scaled",
        action="store_true",
        help="replicas on PostgreSQL and Redis, in webhook mode (RASA_URLS lists the Rasa ones)",
    )
    run_parser.add_argument("--gateways", type=int, default=2, help="gateway replicas (--scaled)")
    commands.add_parser("gateway", help="one gateway replica (scaled mode)")
    commands.add_parser("migrate", help="bring the database schema up to date")
    train_parser = commands.add_parser("train", help="train the model if its inputs changed")
    train_parser.add_argument("--force", action="store_true")
    commands.add_parser("check", help="validate configuration files and exit")
    commands.add_parser("model-path", help="print the path of the current model")
    commands.add_parser("rotate-key", help="add a new data key and re-encrypt everything")
    commands.add_parser("purge", help="delete data past its retention period")
    poster = commands.add_parser("poster", help="printable posters with the deep link's QR code")
    poster.add_argument("--centre", help="centre code, default every centre")
    poster.add_argument(
        "--language",
        default="each",
        choices=[*LANGUAGES, "each", "all"],
        help="one language, one poster per language (each), or one multilingual sheet (all)",
    )
    poster.add_argument("--bot", help="the bot's Telegram username (else TELEGRAM_BOT_USERNAME)")
    poster.add_argument("--out", default="var/posters", help="output folder")
    services = commands.add_parser(
        "services", help="import the service directory file (replaces the directory)"
    )
    services.add_argument("action", choices=["import", "check"])
    report_parser = commands.add_parser("report", help="a centre's monthly figures (CSV + PNG)")
    report_parser.add_argument("--month", help="YYYY-MM, default this month")
    report_parser.add_argument("--centre", default=None, help="centre code, default all centres")
    report_parser.add_argument("--language", default="fr", choices=list(LANGUAGES))
    report_parser.add_argument("--out", default="var/reports", help="output folder")
    accounts = commands.add_parser("caseworker", help="manage caseworker console accounts")
    accounts.add_argument(
        "action",
        choices=[
            "create", "disable", "enable", "reset", "set", "list", "sessions", "end-sessions",
        ],
    )  # fmt: skip
    accounts.add_argument("username", nargs="?")
    accounts.add_argument(
        "--role",
        choices=["caseworker", "supervisor", "admin"],
        help="create: default caseworker; set: unchanged when not given",
    )
    accounts.add_argument("--centre", default=None, help="centre code the account belongs to")
    accounts.add_argument(
        "--no-centre", action="store_true", help="set: take the account's centre away"
    )
    accounts.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    args = parser.parse_args(argv)
    configure_logging()
    try:
        settings = load_settings()
        keep_private(settings.var_dir)
        if args.command == "run" and args.scaled:
            run_scaled(settings, args.gateways)
        elif args.command == "run":
            run(settings)
        elif args.command == "gateway":
            gateway(settings)
        elif args.command == "migrate":
            migrate(settings.database_url)
            print("database schema is up to date")
        elif args.command == "train":
            train(settings.var_dir / "logs", force=args.force)
        elif args.command == "caseworker":
            if args.action != "list" and not args.username:
                sys.exit("error: a username is needed")
            caseworker_command(settings, args)
        elif args.command == "services":
            migrate(settings.database_url)
            if args.action == "check":
                check_config(settings)
                print(f"{settings.services_file}: valid")
            else:
                print(import_services(settings, only_if_differs=False))
        elif args.command == "poster":
            posters(settings, args)
        elif args.command == "report":
            report(settings, args)
        elif args.command == "purge":
            purge(settings)
        elif args.command == "rotate-key":
            rotate_key(settings)
        elif args.command == "check":
            check_config(settings)
            print("configuration is valid")
        else:
            print(model_path())
    except ConfigError as error:
        sys.exit(f"configuration error: {error}")


if __name__ == "__main__":
    main()
