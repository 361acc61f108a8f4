"""The template preview: the example row's values, each part rendered alone, errors per part."""

from __future__ import annotations

from dispatch.processes.models import (
    EmailPreview,
    EmailTemplate,
    FieldType,
    Process,
    ProcessField,
    SmsPreview,
    SmsTemplate,
    Templates,
)
from dispatch.processes.preview import example_row, preview

PROCESS = Process(
    id="p-1",
    org_id="o",
    name="Renewal",
    fields=[
        ProcessField(name="first_name", type=FieldType.string, required=True),
        ProcessField(name="email", type=FieldType.email),
        ProcessField(name="amount", type=FieldType.number),
    ],
    link_base_url="https://forms.example.com/r",  # type: ignore[arg-type]
    created_at="2026-01-01T00:00:00Z",
    created_by="admin@o.test",
)


def test_the_preview_renders_every_part_with_the_example_files_row() -> None:
    templates = Templates(
        email=EmailTemplate(
            subject="{{ first_name }},\n your {{ amount }}",
            text="Go {{ link }}",
            html="<b>{{ organisation }}</b>",
        ),
        sms=SmsTemplate(text=" {{ batch_name }}: {{ unsubscribe_url }} "),
    )
    shown = preview(
        PROCESS, templates, region="US", organisation="Acme & Co", api_base_url="https://api.test/dev/"
    )
    assert (
        shown.values
        == example_row(PROCESS, "US")
        == {
            "first_name": "Example",
            "email": "recipient@example.com",
            "amount": 100,
        }
    )
    assert shown.email == EmailPreview(
        subject="Example, your 100",
        text="Go https://api.test/dev/c/example",
        html="<b>Acme &amp; Co</b>",  # autoescaped, as at send time
    )
    assert shown.sms == SmsPreview(text="Example batch: https://api.test/dev/unsubscribe/example")
    assert shown.errors == []


def test_a_broken_part_is_reported_against_that_part_and_the_others_still_render() -> None:
    templates = Templates(
        email=EmailTemplate(subject="Hi {{ nickname }}", text="{% if %}", html=None),
        sms=SmsTemplate(text="{{ first_name }}"),
    )
    shown = preview(PROCESS, templates, region="US", organisation="Acme", api_base_url="https://api.test")
    assert shown.email == EmailPreview(subject=None, text=None, html=None)
    assert shown.sms == SmsPreview(text="Example")
    assert [error.part for error in shown.errors] == ["email subject", "email text"]
    assert "nickname" in shown.errors[0].message


def test_without_templates_there_is_nothing_to_show() -> None:
    shown = preview(PROCESS, Templates(), region="US", organisation="Acme", api_base_url="https://api.test")
    assert (shown.email, shown.sms, shown.errors) == (None, None, [])
