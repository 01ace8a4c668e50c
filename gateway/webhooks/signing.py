"""Signing a webhook notice as Standard Webhooks (standardwebhooks.com) does: timestamped, so it cannot be replayed.

``webhook-signature: v1,<base64 HMAC-SHA256 of "<webhook-id>.<webhook-timestamp>.<body>">``: the
receiver recomputes it from the three and refuses a timestamp too far from its own clock (the
libraries' tolerance is 5 minutes), so a notice captured on the way cannot be sent to it again later,
and drops an id it has already seen within that time. The key is the secret's bytes as configured
(the libraries take them as raw bytes, e.g. ``Webhook(secret.encode())`` in Python's
``standardwebhooks``). Signing is a few lines of the standard library; the receivers are the ones that
may want a library.

Every notice the gateway sends (the held-decision webhook, the retrain webhook) is signed here, by
`notice_headers`, so both carry the same headers and one receiver check verifies either.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

ID_HEADER = "webhook-id"
TIMESTAMP_HEADER = "webhook-timestamp"
SIGNATURE_HEADER = "webhook-signature"
VERSION = "v1"
# Deprecated, dropped in the next release: the body's HMAC alone names no time, so a notice captured
# once can be replayed to a receiver that checks only it. Sent alongside meanwhile, so such a receiver
# keeps working while it moves to the headers above.
LEGACY_SIGNATURE_HEADER = "x-feedgate-signature"


def signed_headers(secret: bytes, message_id: str, body: bytes, timestamp: int) -> dict[str, str]:
    """The three Standard Webhooks headers for `body`, sent as message `message_id` at `timestamp` (Unix seconds)."""
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = base64.b64encode(hmac.new(secret, signed, hashlib.sha256).digest()).decode()
    return {ID_HEADER: message_id, TIMESTAMP_HEADER: str(timestamp), SIGNATURE_HEADER: f"{VERSION},{digest}"}


def legacy_signature(secret: bytes, body: bytes) -> str:
    """The hex HMAC-SHA256 of `body` under `secret`, as sent in the deprecated `x-feedgate-signature`."""
    return hmac.new(secret, body, hashlib.sha256).hexdigest()


def notice_headers(secret: bytes, message_id: str, body: bytes, timestamp: int) -> dict[str, str]:
    """Every header a JSON notice is sent with: its type, the Standard Webhooks signature, the deprecated one."""
    return {
        "content-type": "application/json",
        LEGACY_SIGNATURE_HEADER: legacy_signature(secret, body),
        **signed_headers(secret, message_id, body, timestamp),
    }
