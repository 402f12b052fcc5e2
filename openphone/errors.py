"""Errors shared by the webhook inbox (openphone/services.py) and the handlers it runs."""


class TransientEventError(Exception):
    """Processing failed for a reason that may pass (OpenPhone unreachable, ...): try again later."""
