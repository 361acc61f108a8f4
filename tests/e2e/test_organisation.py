"""The organisation's settings over the real HTTP path (the AWS endpoint in server mode)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from local.client import ApiClient, ApiError


@pytest.mark.parametrize("sender", ["news/letters@acme.example", "100%@acme.example"])
def test_a_sender_with_characters_of_a_url_path_is_refused_not_a_server_error(
    client_for: Callable[[str, str, str], ApiClient], sender: str
) -> None:
    """``/`` and ``%`` are valid in an address's local part. SES's identity lookup by such a path
    can answer a bare 404 (no NotFoundException): still "no such identity", a 422 — not a 500."""
    admin = client_for("admin@org-sender.test", "admin", "org-sender")
    with pytest.raises(ApiError) as refused:
        admin.request("PUT", "/organisation", {"name": "Org", "sender_email": sender})
    assert refused.value.status == 422, refused.value
