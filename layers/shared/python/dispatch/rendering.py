"""Channel templates rendered in a Jinja2 sandbox.

HTML bodies are autoescaped; subjects, text bodies and SMS are plain text and are not. Undefined
variables are errors (``StrictUndefined``), so a template that names a missing field fails at
generation time instead of sending a blank. Recipient values are only ever passed as data.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from jinja2 import StrictUndefined, Template, TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from dispatch.processes.models import Templates


class RenderError(Exception):
    """A template could not be compiled or rendered; the message says where and why."""


def _blank_none(value: Any) -> Any:
    """An empty cell renders as nothing, not as the word "None"."""
    return "" if value is None else value


_OPTIONS: dict[str, Any] = {
    "undefined": StrictUndefined,
    "keep_trailing_newline": True,
    "finalize": _blank_none,
}
_TEXT = ImmutableSandboxedEnvironment(autoescape=False, **_OPTIONS)
_HTML = ImmutableSandboxedEnvironment(autoescape=True, **_OPTIONS)


@lru_cache(maxsize=256)
def _compile(source: str, html: bool) -> Template:
    return (_HTML if html else _TEXT).from_string(source)


def render_part(part: str, source: str, context: Mapping[str, Any], *, html: bool = False) -> str:
    """One template part (``email subject``, ``sms text``…), rendered on its own; a RenderError names it."""
    try:
        return _compile(source, html).render(context)
    except TemplateError as exc:
        raise RenderError(f"{part}: {exc.message or type(exc).__name__}") from exc


@dataclass(frozen=True, slots=True)
class EmailMessage:
    subject: str
    text: str
    html: str | None


def render_email(templates: Templates, context: Mapping[str, Any]) -> EmailMessage:
    email = templates.email
    if email is None:
        raise RenderError("the process has no email template")
    subject = render_part("email subject", email.subject, context).strip()
    text = render_part("email text", email.text, context)
    html = render_part("email html", email.html, context, html=True) if email.html else None
    return EmailMessage(" ".join(subject.split()), text, html)


def render_sms(templates: Templates, context: Mapping[str, Any]) -> str:
    if templates.sms is None:
        raise RenderError("the process has no SMS template")
    return render_part("sms text", templates.sms.text, context).strip()


@dataclass(frozen=True, slots=True)
class LetterText:
    title: str
    body_html: str


def render_letter(templates: Templates, context: Mapping[str, Any]) -> LetterText:
    """A letter's title (text) and body (HTML, autoescaped: recipient data stays data)."""
    letter = templates.letter
    if letter is None:
        raise RenderError("the template set has no letter template")
    title = " ".join(render_part("letter title", letter.title, context).split())
    return LetterText(title, render_part("letter body", letter.body, context, html=True))


def check_syntax(templates: Templates) -> list[str]:
    """Compile every template; the messages of those that do not compile."""
    sources = []
    if templates.email:
        sources += [
            ("email subject", templates.email.subject, False),
            ("email text", templates.email.text, False),
        ]
        if templates.email.html:
            sources.append(("email html", templates.email.html, True))
    if templates.sms:
        sources.append(("sms text", templates.sms.text, False))
    if templates.letter:
        sources += [
            ("letter title", templates.letter.title, False),
            ("letter body", templates.letter.body, True),
        ]
    problems = []
    for part, source, html in sources:
        try:
            _compile(source, html)
        except TemplateError as exc:
            problems.append(f"{part}: {exc.message or type(exc).__name__}")
    return problems
