"""Routes: /communications, and the communication steps of a batch (PRODUCT §8)."""

from __future__ import annotations

from aws_lambda_powertools.event_handler.api_gateway import Router

from dispatch import services
from dispatch.batches.models import BatchView
from dispatch.communications.models import CommunicationEdit, NewCommunication
from dispatch.http.caller import current_caller
from dispatch.http.contract import documented
from dispatch.letters.models import LettersView

router = Router()


@router.post(
    "/communications",
    summary="A batch communication from a contact filter: open, with the filter's current count",
    status_code=201,
    responses=documented(404, 409, 422, success=201, body=True),
)
def create_communication(body: NewCommunication) -> BatchView:
    return services.communication_service().create(current_caller(router), body).public()


@router.patch(
    "/communications/<batch_id>",
    summary="Change a communication: filter, channels while open; name, template set, due date until closed",
    responses=documented(404, 409, 422, body=True),
)
def edit_communication(batch_id: str, body: CommunicationEdit) -> BatchView:
    return services.communication_service().edit(current_caller(router), batch_id, body).public()


@router.post(
    "/batches/<batch_id>/generate",
    summary="Stage an open communication's working list and generate its cards (generating → generated)",
    status_code=202,
    responses=documented(404, 409, 422, success=202),
)
def generate_batch(batch_id: str) -> BatchView:
    return services.communication_service().generate(current_caller(router), batch_id).public()


@router.post(
    "/batches/<batch_id>/send",
    summary="Send a generated communication: through approval where it applies, then sending",
    status_code=202,
    responses=documented(404, 409, success=202),
)
def send_batch(batch_id: str) -> BatchView:
    return services.communication_service().send(current_caller(router), batch_id).public()


@router.post(
    "/batches/<batch_id>/letters",
    summary="The batch's letters as one PDF: 200 with a fresh link when built, else 202 while it is built",
    responses=documented(404, 409, also=(202,)),
)
def request_letters(batch_id: str) -> tuple[LettersView, int]:
    return services.letter_service().request(current_caller(router), batch_id)


@router.get(
    "/batches/<batch_id>/letters",
    summary="The letters bundle: a fresh pre-signed link (ask again once it expires); 202 while built",
    responses=documented(404, 409, also=(202,)),
)
def get_letters(batch_id: str) -> tuple[LettersView, int]:
    return services.letter_service().current(current_caller(router), batch_id)


@router.post(
    "/batches/<batch_id>/letters/printed",
    summary="Mark the approved batch's letters bundle printed: its letters count as sent",
    status_code=202,
    responses=documented(404, 409, success=202),
)
def letters_printed(batch_id: str) -> LettersView:
    return services.letter_service().printed(current_caller(router), batch_id)
