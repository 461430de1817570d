"""Checks a Voice webhook delivery's Voice-Signature header: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "t.body")>."""
import hashlib
import hmac
import time

TOLERANCE_SECONDS = 300  # refuse deliveries signed longer ago than this (replays)


def verify_webhook(secret, signature_header, body, now=None, tolerance=TOLERANCE_SECONDS):
    """True when the raw body (bytes, exactly as received) was signed with the endpoint's secret (whsec_...) recently."""
    fields = dict(part.split("=", 1) for part in signature_header.split(",") if "=" in part)
    try:
        timestamp = int(fields["t"])
        expected_signature = fields["v1"]
    except (KeyError, ValueError):
        return False
    if abs((now if now is not None else time.time()) - timestamp) > tolerance:
        return False
    mac = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(mac, expected_signature)
