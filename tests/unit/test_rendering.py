from __future__ import annotations

import pytest

from dispatch.processes.models import EmailTemplate, SmsTemplate, Templates
from dispatch.rendering import RenderError, check_syntax, render_email, render_sms

TEMPLATES = Templates(
    email=EmailTemplate(subject="Hi {{ first_name }}", text="Go: {{ link }}", html="<p>{{ first_name }}</p>"),
    sms=SmsTemplate(text="{{ first_name }}: {{ link }}"),
)


def test_html_is_autoescaped_but_text_and_sms_are_not() -> None:
    context = {"first_name": "<b>Tom & Jerry</b>", "link": "https://x.test/c/t?a=1&b=2"}
    message = render_email(TEMPLATES, context)
    assert message.html == "<p>&lt;b&gt;Tom &amp; Jerry&lt;/b&gt;</p>"
    assert message.subject == "Hi <b>Tom & Jerry</b>"
    assert message.text == "Go: https://x.test/c/t?a=1&b=2"
    assert render_sms(TEMPLATES, context) == "<b>Tom & Jerry</b>: https://x.test/c/t?a=1&b=2"


def test_an_undefined_variable_is_an_error_not_a_blank() -> None:
    with pytest.raises(RenderError, match="email subject"):
        render_email(TEMPLATES, {"link": "l"})


def test_recipient_data_is_never_evaluated_as_template_code() -> None:
    context = {"first_name": "{{ 7 * 7 }}", "link": "l"}
    assert render_sms(TEMPLATES, context) == "{{ 7 * 7 }}: l"


def test_the_sandbox_refuses_unsafe_attribute_access() -> None:
    hostile = Templates(sms=SmsTemplate(text="{{ ''.__class__.__mro__[1].__subclasses__() }}"))
    with pytest.raises(RenderError):
        render_sms(hostile, {})


def test_subject_line_breaks_are_folded_so_no_header_can_be_injected() -> None:
    templates = Templates(email=EmailTemplate(subject="{{ s }}", text="t"))
    assert render_email(templates, {"s": "a\r\nBcc: x@evil.test"}).subject == "a Bcc: x@evil.test"


def test_check_syntax_names_the_broken_part() -> None:
    broken = Templates(email=EmailTemplate(subject="{{ x ", text="ok"), sms=SmsTemplate(text="{% if %}"))
    problems = check_syntax(broken)
    assert [problem.split(":")[0] for problem in problems] == ["email subject", "sms text"]
    assert check_syntax(TEMPLATES) == []


def test_an_empty_value_renders_as_nothing() -> None:
    assert render_sms(TEMPLATES, {"first_name": None, "link": "l"}) == ": l"
