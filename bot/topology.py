"""The processes of a running assistant: how each is started, checked and stopped.

- **Embedded** (``python -m bot.cli run``): an action + NLG server and a Rasa server as child
  processes; the gateway runs in the launcher's own process.
- **Scaled** (``python -m bot.cli run --scaled``): one action + NLG server, several Rasa
  replicas (lock store on Redis, tracker store on PostgreSQL) and several gateway replicas
  (``python -m bot.cli gateway``) sharing PostgreSQL and Redis, all on loopback. Telegram's
  webhook reaches the gateways through a reverse proxy (see README).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from bot.settings import PROJECT_ROOT, ConfigError, Settings

READY_TIMEOUT = 180.0
RASA = str(Path(sys.executable).parent / "rasa")


def child_environment(settings: Settings) -> dict[str, str]:
    """Environment of the child processes (endpoints.yml reads it too)."""
    env = dict(os.environ)
    env["RASA_TELEMETRY_ENABLED"] = "false"
    env["ACTION_SERVER_PORT"] = str(settings.action_server_port)
    env["DATABASE_URL"] = settings.database_url
    env["BOT_VAR_DIR"] = str(settings.var_dir)
    if settings.data_key:
        env["BOT_DATA_KEY"] = settings.data_key
    if settings.redis_url:
        redis = urlsplit(settings.redis_url)
        env["REDIS_HOST"] = redis.hostname or "127.0.0.1"
        env["REDIS_PORT"] = str(redis.port or 6379)
        env["REDIS_DB"] = redis.path.strip("/") or "0"
    return env


@dataclass
class Service:
    """One process of the assistant, restartable (tests kill them with SIGKILL)."""

    name: str
    command: list[str]
    env: dict[str, str]
    health_url: str
    log_dir: Path | None = None
    process: subprocess.Popen | None = field(default=None, repr=False)

    def start(self) -> None:
        output = (self.log_dir / f"{self.name}.log").open("ab") if self.log_dir else None
        self.process = subprocess.Popen(
            self.command,
            cwd=PROJECT_ROOT,
            env=self.env,
            stdout=output,
            stderr=subprocess.STDOUT if output else None,
        )

    def kill(self) -> None:
        """SIGKILL: no clean-up at all, as in a crash or an out-of-memory kill."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None


def actions_service(settings: Settings, log_dir: Path | None) -> Service:
    return Service(
        "actions",
        [sys.executable, "-m", "bot.actions.server"],
        child_environment(settings),
        f"http://127.0.0.1:{settings.action_server_port}/health",
        log_dir,
    )


def rasa_service(
    settings: Settings,
    model: Path,
    url: str,
    log_dir: Path | None,
    name: str = "rasa",
    endpoints: str = "endpoints.yml",
) -> Service:
    command = [
        RASA, "run",
        "--interface", "127.0.0.1", "--port", str(urlsplit(url).port),
        "--model", str(model),
        "--endpoints", endpoints, "--credentials", "credentials.yml",
    ]  # fmt: skip
    return Service(name, command, child_environment(settings), f"{url}/", log_dir)


def gateway_service(
    settings: Settings, number: int, replicas: int, log_dir: Path | None
) -> Service:
    port = settings.gateway_port + number - 1
    env = child_environment(settings)
    env.update(
        GATEWAY_PORT=str(port),
        REPLICA_ID=f"gateway-{number}",
        GATEWAY_REPLICAS=str(replicas),
        RASA_URLS=",".join(settings.rasa_urls),
    )
    return Service(
        f"gateway-{number}",
        [sys.executable, "-m", "bot.cli", "gateway"],
        env,
        f"http://127.0.0.1:{port}/health",
        log_dir,
    )


class Topology:
    """Services started in order, each waited for before the next group starts."""

    def __init__(self, groups: list[list[Service]]) -> None:
        self.groups = groups

    @property
    def services(self) -> list[Service]:
        return [service for group in self.groups for service in group]

    def __getitem__(self, name: str) -> Service:
        return next(service for service in self.services if service.name == name)

    def start(self) -> None:
        for group in self.groups:
            for service in group:
                service.start()
            wait_until_ready(group)

    def restart(self, name: str) -> None:
        """Kill a service (SIGKILL) and start it again, waiting until it is ready."""
        service = self[name]
        service.kill()
        service.start()
        wait_until_ready([service])

    def stop(self) -> None:
        stop_processes([s.process for s in reversed(self.services) if s.process is not None])


def embedded(settings: Settings, model: Path, log_dir: Path | None) -> Topology:
    """The action + NLG server and one Rasa server (the gateway runs in the caller)."""
    actions = actions_service(settings, log_dir)
    return Topology([[actions, rasa_service(settings, model, settings.rasa_url, log_dir)]])


def scaled(settings: Settings, model: Path, log_dir: Path | None, gateways: int = 2) -> Topology:
    """One action + NLG server, a Rasa server per ``RASA_URLS`` entry, ``gateways`` gateways."""
    if not settings.database_url.startswith("postgresql"):
        raise ConfigError("scaled mode needs DATABASE_URL=postgresql://... (shared by replicas)")
    if not settings.redis_url:
        raise ConfigError("scaled mode needs REDIS_URL=redis://... (locks and rate limits)")
    if settings.mode != "webhook":
        raise ConfigError(
            "scaled mode needs webhook mode: TELEGRAM_BOT_TOKEN, TELEGRAM_WEBHOOK_URL and "
            "TELEGRAM_WEBHOOK_SECRET (only one process may poll Telegram)"
        )
    rasas = [
        rasa_service(settings, model, url, log_dir, f"rasa-{n}", "endpoints.scaled.yml")
        for n, url in enumerate(settings.rasa_urls, start=1)
    ]
    return Topology(
        [
            [actions_service(settings, log_dir), *rasas],
            [gateway_service(settings, n, gateways, log_dir) for n in range(1, gateways + 1)],
        ]
    )


def wait_until_ready(services: list[Service]) -> None:
    deadline = time.monotonic() + READY_TIMEOUT
    pending = list(services)
    while pending:
        for service in list(pending):
            try:
                if httpx.get(service.health_url, timeout=1.0).status_code == 200:
                    pending.remove(service)
                    continue
            except httpx.HTTPError:
                pass
            if not service.running():
                raise RuntimeError(f"{service.name} exited during start-up; see its log")
        if time.monotonic() > deadline:
            names = ", ".join(service.name for service in pending)
            raise RuntimeError(f"not ready after {READY_TIMEOUT:.0f} s: {names}")
        if pending:
            time.sleep(0.3)


def stop_processes(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
