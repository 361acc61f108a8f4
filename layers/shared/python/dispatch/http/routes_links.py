"""Public routes (no authorizer; the signed token is the credential): /c/{token},
/unsubscribe/{token}, and the ring_all accept link /offers/{token}.

Served by their own function (functions/links), which can read cards and processes, record
accesses, add to the suppression list, accept an offer and queue what follows, and nothing else.
"""

from __future__ import annotations

import json
from html import escape
from http import HTTPStatus
from string import Template

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import Router

from dispatch import services
from dispatch.assignment.models import OfferState, OfferView
from dispatch.cards.models import PrefilledCard
from dispatch.errors import Conflict, DispatchError
from dispatch.http.contract import JSON, documented, html_page
from dispatch.http.responses import status_of

router = Router()

PRIVATE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex"}
PAGE = Template(
    "<!doctype html><html lang=en><meta charset=utf-8>"
    '<meta name=viewport content="width=device-width,initial-scale=1"><title>$title</title>'
    '<body style="font-family:sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem">'
    "<h1>$title</h1>$body</body></html>"
)
PAGE_HEADERS = {
    **PRIVATE,
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
}


@router.get(
    "/c/<token>",
    summary="Open a card: record the access, redirect to the process page (public)",
    responses={
        **documented(404, 410, success=302, authenticated=False),
        302: {
            "description": "To the process page, with ?token=",
            "headers": {"Location": {"description": "the process page", "schema": {"type": "string"}}},
            "content": {},
        },
    },
)
def open_card(token: str) -> Response[str]:
    location = services.card_links().open(token)
    return Response(status_code=HTTPStatus.FOUND, headers={**PRIVATE, "Location": location}, body="")


@router.get(
    "/c/<token>/data",
    summary="A card's pre-filled values, for the process page (public, CORS)",
    responses={
        **documented(404, 410, authenticated=False),
        200: {"description": "The card's values", "content": {JSON: {"model": PrefilledCard}}},
    },
)
def card_data(token: str) -> Response[str]:
    data = services.card_links().data(token)
    headers = {**PRIVATE, "Access-Control-Allow-Origin": data.origin, "Vary": "Origin"}
    return Response(
        status_code=HTTPStatus.OK,
        content_type=content_types.APPLICATION_JSON,
        body=json.dumps(data.body),
        headers=headers,
    )


@router.route("/c/<token>/data", method="OPTIONS", include_in_schema=False)
def card_data_preflight(token: str) -> Response[str]:
    """The browser's CORS preflight: allowed only for the card's process origin (a bad token gets
    the same 404/410 as the GET, so the preflight reveals nothing more)."""
    data = services.card_links().data(token)
    headers = {
        "Access-Control-Allow-Origin": data.origin,
        "Access-Control-Allow-Methods": "GET",
        "Access-Control-Max-Age": "600",
        "Vary": "Origin",
    }
    return Response(status_code=HTTPStatus.NO_CONTENT, headers=headers, body="")


@router.get(
    "/unsubscribe/<token>",
    summary="The unsubscribe page: confirm with one click (public)",
    responses=html_page(404),
)
def unsubscribe_page(token: str) -> Response[str]:
    try:
        card, organisation = services.card_links().unsubscribe_target(token)
    except DispatchError as exc:
        return _page(status_of(exc), "Link not valid", "<p>This unsubscribe link is not valid.</p>")
    who = escape(organisation)
    if card.unsubscribed_at:
        return _page(HTTPStatus.OK, "Unsubscribed", f"<p>You will no longer receive messages from {who}.</p>")
    form = (
        f"<p>Stop receiving messages from {who}?</p>"
        '<form method=post><input type=hidden name="List-Unsubscribe" value="One-Click">'
        "<button type=submit>Unsubscribe</button></form>"
    )
    return _page(HTTPStatus.OK, "Unsubscribe", form)


@router.post(
    "/unsubscribe/<token>",
    summary="Unsubscribe (RFC 8058 one-click POST, and the page's form)",
    responses=html_page(404),
)
def unsubscribe(token: str) -> Response[str]:
    """Mail clients post ``List-Unsubscribe=One-Click`` here without showing the page; any POST
    with a genuine token unsubscribes (the token is the proof), repeated POSTs change nothing."""
    try:
        organisation = services.card_links().unsubscribe(token)
    except DispatchError as exc:
        return _page(status_of(exc), "Link not valid", "<p>This unsubscribe link is not valid.</p>")
    return _page(
        HTTPStatus.OK,
        "Unsubscribed",
        f"<p>You will no longer receive messages from {escape(organisation)}.</p>",
    )


@router.get(
    "/offers/<token>",
    summary="A ring_all offer to an agent: the accept page (public)",
    responses=html_page(404, 409, 410),
)
def offer_page(token: str) -> Response[str]:
    """Shows the offer; accepting is the page's POST, so a link preview accepts nothing."""
    try:
        offer = services.offer_desk().view(token)
    except DispatchError as exc:
        return _page(status_of(exc), "Offer not available", f"<p>{escape(exc.message)}.</p>")
    return _offer_page(offer)


@router.post(
    "/offers/<token>",
    summary="Accept a ring_all offer: the first agent to accept gets the card",
    responses=html_page(404, 409, 410),
)
def accept_offer(token: str) -> Response[str]:
    try:
        offer = services.offer_desk().accept(token)
    except DispatchError as exc:
        title = "Already taken" if isinstance(exc, Conflict) else "Offer not available"
        return _page(status_of(exc), title, f"<p>{escape(exc.message)}.</p>")
    return _offer_page(offer)


def _offer_page(offer: OfferView) -> Response[str]:
    who, batch = escape(offer.organisation), escape(offer.batch_name)
    if offer.state is OfferState.yours:
        return _page(
            HTTPStatus.OK, "The card is yours", f"<p>The card from {batch} ({who}) is assigned to you.</p>"
        )
    if offer.state is OfferState.taken:
        return _page(HTTPStatus.CONFLICT, "Already taken", "<p>Another agent has accepted this card.</p>")
    form = (
        f"<p>{who} offers you a card from {batch}; other agents have the same offer. "
        "The first to accept gets it.</p><form method=post><button type=submit>Accept</button></form>"
    )
    return _page(HTTPStatus.OK, "A card for you", form)


def _page(status: HTTPStatus, title: str, body: str) -> Response[str]:
    return Response(
        status_code=status,
        content_type=content_types.TEXT_HTML,
        body=PAGE.substitute(title=escape(title), body=body),
        headers=PAGE_HEADERS,
    )
