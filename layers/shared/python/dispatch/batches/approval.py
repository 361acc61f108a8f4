"""Who approves a batch (PRODUCT §4): the approval policy and four-eyes, decided in one place.

People are compared by user id (Cognito ``sub``, immutable), never by email: an email claim is
for display, and two spellings of one address (or an address changed in the user pool) must not
make one person two. With four-eyes on, the approver must not be the batch's creator:

- a batch created over the API (``POST /batches``, a clone) was created by the caller;
- a dropped file's batch by the user its S3 key or event names (see ``batches.intake``);
- a batch a scheduled distribution builds by the schedule's author — the user who last set its
  configuration (what the batch contains). A standing approval is that author's approval given in
  advance, so under four-eyes it is the creator approving their own batch: it does not count, and
  the run's batch waits for an approver other than the author, like any other batch.
"""

from __future__ import annotations

from dispatch.batches.models import Batch
from dispatch.organisations.models import OrganisationSettings
from dispatch.processes.models import Process


def approval_required(process: Process, organisation: OrganisationSettings) -> bool:
    """The process's own setting, else the organisation's."""
    return organisation.approval_required if process.approval_required is None else process.approval_required


def four_eyes(process: Process, organisation: OrganisationSettings) -> bool:
    """The process's own setting, else the organisation's."""
    return organisation.four_eyes if process.four_eyes is None else process.four_eyes


def is_creator(batch: Batch, user_id: str) -> bool:
    """Is this user the batch's creator (by user id; an unknown creator is no one)?"""
    return bool(batch.created_by) and batch.created_by == user_id


def standing_approval_applies(batch: Batch, process: Process, organisation: OrganisationSettings) -> bool:
    """Does the batch's standing approval (a schedule's) approve it? Not under four-eyes when the
    standing approver is the batch's creator."""
    approver = batch.standing_approval
    if not approver:
        return False
    return not (four_eyes(process, organisation) and is_creator(batch, approver))
