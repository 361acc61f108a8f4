"""The live preview an admin sees while editing a process's templates (PRODUCT §11): the templates
as they stand in the editor, rendered with the process's example row (the example file's), each
part on its own so that a mistake is reported against the part it is in. Nothing is stored.

Links in the preview are placeholders: a real card link is signed for a card that exists.
"""

from __future__ import annotations

from typing import Any

from dispatch.processes.example_file import example_value
from dispatch.processes.models import (
    EmailPreview,
    PreviewError,
    Process,
    SmsPreview,
    Templates,
    TemplatesPreview,
)
from dispatch.rendering import RenderError, render_part

EXAMPLE_BATCH = "Example batch"
PLACEHOLDER_CARD = "example"  # stands for a card token in the preview's links


def example_row(process: Process, region: str) -> dict[str, Any]:
    """The values of the example file's row, by field name."""
    return {field.name: example_value(field.type, region) for field in process.fields}


def preview(
    process: Process, templates: Templates, *, region: str, organisation: str, api_base_url: str
) -> TemplatesPreview:
    values = example_row(process, region)
    base = api_base_url.rstrip("/")
    context = {
        **values,
        "link": f"{base}/c/{PLACEHOLDER_CARD}",
        "unsubscribe_url": f"{base}/unsubscribe/{PLACEHOLDER_CARD}",
        "batch_name": EXAMPLE_BATCH,
        "organisation": organisation,
    }
    errors: list[PreviewError] = []

    def render(part: str, source: str | None, *, html: bool = False) -> str | None:
        if source is None:
            return None
        try:
            return render_part(part, source, context, html=html)
        except RenderError as exc:
            errors.append(PreviewError(part=part, message=str(exc)))
            return None

    email = None
    if templates.email is not None:
        subject = render("email subject", templates.email.subject)
        email = EmailPreview(
            subject=" ".join(subject.split()) if subject is not None else None,
            text=render("email text", templates.email.text),
            html=render("email html", templates.email.html, html=True),
        )
    sms = None
    if templates.sms is not None:
        text = render("sms text", templates.sms.text)
        sms = SmsPreview(text=text.strip() if text is not None else None)
    return TemplatesPreview(values=values, email=email, sms=sms, errors=errors)
