"""What recipients of a batch receive, as one digest: an approval is of this digest (PRODUCT §4).

A card's message is rendered from its own row values (fixed once the card exists) and from inputs
that people can change later: the batch's name, chosen template set and due date, the
organisation's name, sender (and return address, on letters), and the process's templates (of
that set), fields (every field is a template variable) and link base (where the card's link
leads). The digest covers exactly those, so every change that alters what would be sent — a
rename, new templates, a new organisation name, or any future setting that feeds rendering once
it is added here — is caught by one comparison instead of one special case per route:

- when approved, a batch records the digest of what the approver approved;
- a change to any input sends the approved (and sending) batches it affects back to
  ``pending_approval`` at once (``Workflow.content_changed``);
- and every send — a chunk, a resend, send-remaining, retry-failed, a resume, a scheduled send —
  compares the digest of what it is about to render with the approved one first, so a change
  that raced the reset (or a batch that was sent already) still never goes out unapproved.
"""

from __future__ import annotations

import hashlib
import json

from dispatch.batches.models import Batch
from dispatch.organisations.models import OrganisationSettings
from dispatch.processes.models import Process

CHANGED = "what recipients would receive changed after approval"


def content_digest(batch: Batch, process: Process, organisation: OrganisationSettings) -> str:
    """The digest of every changeable input of the batch's messages: what they say, and who they
    say they are from (the organisation's sender address is the emails' From)."""
    templates = process.with_template_set(batch.template).templates
    material: dict[str, object] = {
        "batch_name": batch.name,
        "organisation": organisation.name or batch.org_id,
        "sender_email": organisation.sender_email,
        "templates": templates.model_dump(
            mode="json", exclude={"letter"} if templates.letter is None else None
        ),
        "fields": [field.name for field in process.fields],
        "link_base_url": str(process.link_base_url),
    }
    # What only some batches have is added only when present, so the digests approved before these
    # inputs existed stay what they were.
    if batch.template is not None:
        material["template"] = batch.template
    if batch.due_date is not None:
        material["due_date"] = batch.due_date
    if batch.communication is not None and "letter" in batch.communication.channels:
        material["return_address"] = organisation.return_address
    encoded = json.dumps(material, sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha256(encoded).hexdigest()
