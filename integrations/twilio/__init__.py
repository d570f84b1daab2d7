"""Twilio as a WhatsApp provider: webhook parsing/verification and the REST client.

Import from the submodules (``integrations.twilio.webhooks``, ``integrations.twilio.client``); this
package re-exports their public names for convenience.
"""

from integrations.twilio.client import TwilioClient
from integrations.twilio.webhooks import (
    SIGNATURE_HEADER,
    TWIML_CONTENT_TYPE,
    empty_twiml,
    parse_inbound,
    parse_status,
    verify_signature,
)

__all__ = [
    "SIGNATURE_HEADER",
    "TWIML_CONTENT_TYPE",
    "TwilioClient",
    "empty_twiml",
    "parse_inbound",
    "parse_status",
    "verify_signature",
]
