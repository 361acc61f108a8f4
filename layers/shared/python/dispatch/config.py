"""Settings as one pydantic model, read from the environment once per process.

Domain code receives settings from :func:`get_settings`; nothing else reads ``os.environ``, and
nothing reads it after the first call: in Lambda the environment is fixed for the process. A host
that runs several functions in one process (the local stack) gives each invocation its function's
settings with :func:`scoped` instead of rewriting ``os.environ``, which every thread shares.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache

from dispatch.models import Model


class Settings(Model):
    """Everything the functions are configured with (see the template's ``Globals`` and functions)."""

    stage: str = "dev"
    region: str = "us-east-1"
    main_table: str = "dispatch-main"
    cards_table: str = "dispatch-cards"
    contacts_table: str = "dispatch-contacts"
    bucket: str = "dispatch-uploads"
    state_machine_arn: str = ""
    sending_state_machine_arn: str = ""
    cleanup_state_machine_arn: str = ""
    letters_state_machine_arn: str = ""
    lifecycle_function: str = ""
    export_function: str = ""
    schedule_group: str = "dispatch"
    schedule_function_arn: str = ""
    scheduler_role_arn: str = ""
    schedule_dead_letter_arn: str = ""
    schedule_max_lateness_seconds: int = 3600
    api_base_url: str = "http://127.0.0.1:3000"
    sender_email: str = "no-reply@example.com"
    ses_configuration_set: str = "dispatch"
    approval_timeout_seconds: int = 7 * 24 * 3600
    link_signing_secret_arn: str = ""
    link_ttl_days: int = 30
    chunk_rows: int = 1000
    upload_url_ttl_seconds: int = 900
    download_url_ttl_seconds: int = 900
    max_file_bytes: int = 100 * 1024 * 1024
    email_rate_per_second: float = 14.0
    sms_rate_per_second: float = 20.0
    send_slot_tolerance_seconds: float = 0.05  # ratelimit.DEFAULT_TOLERANCE
    send_concurrency: int = 1
    sweep_stale_minutes: int = 20
    agent_queue_url: str = ""
    console_origin: str = ""  # the operator console (https://<distribution>): the API's one CORS origin

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        """Build from ``DISPATCH_*`` variables (``DISPATCH_MAIN_TABLE`` → ``main_table``)."""
        env = os.environ if environ is None else environ
        values: dict[str, str] = {}
        for name in cls.model_fields:
            raw = env.get(f"DISPATCH_{name.upper()}")
            if raw is not None:
                values[name] = raw
        if "region" not in values and env.get("AWS_REGION"):
            values["region"] = env["AWS_REGION"]
        return cls.model_validate(values)


_SCOPED: ContextVar[Settings | None] = ContextVar("dispatch_settings", default=None)


def get_settings() -> Settings:
    """The settings of the current invocation: those of :func:`scoped`, else the environment's."""
    current = _SCOPED.get()
    return environment_settings() if current is None else current


@lru_cache(maxsize=1)
def environment_settings() -> Settings:
    """The process's settings, read from ``os.environ`` once (tests clear the cache)."""
    return Settings.from_env()


@contextmanager
def scoped(settings: Settings) -> Iterator[None]:
    """Run the enclosed code (in this thread or task) with ``settings``; nothing process-wide changes."""
    token = _SCOPED.set(settings)
    try:
        yield
    finally:
        _SCOPED.reset(token)
