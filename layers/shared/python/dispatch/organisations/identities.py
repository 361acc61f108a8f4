"""Is an address one SES will send from? An organisation's ``sender_email`` must be.

SES sends from an address whose own identity is verified, or whose domain's is (SES v2
``GetEmailIdentity``: ``VerifiedForSendingStatus``). The address is checked as it will be used:
SES compares an address identity's spelling exactly (a domain's without case), so the sender is
kept as given (pydantic's email normalisation lower-cases only the domain) rather than in the
canonical form used to compare recipients (:mod:`dispatch.emails`).
"""

from __future__ import annotations

from botocore.exceptions import ClientError

from dispatch import aws


class SenderIdentities:
    def verified(self, address: str) -> bool:
        """Whether SES may send from ``address``: its address or its domain identity is verified."""
        domain = address.rpartition("@")[2]
        return any(self._verified(identity) for identity in (address, domain))

    @staticmethod
    def _verified(identity: str) -> bool:
        try:
            found = aws.client("sesv2").get_email_identity(EmailIdentity=identity)
        except ClientError as exc:
            # A 404 is "no such identity" whatever its code: SES names it NotFoundException, but a
            # path the identity's characters (``/``) change is answered with a bare 404.
            if exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") == 404:
                return False
            raise
        return bool(found.get("VerifiedForSendingStatus"))
