"""The reading of one message and the reader chosen by settings.TEXT_READER."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from functools import lru_cache

from django.conf import settings
from django.utils.module_loading import import_string

from .categories import OptOutCertainty, ReplyCategory

DEFAULT_READER = "contacts.reading.RuleReader"


@dataclass(frozen=True)
class Reading:
    """What a message says. `rule` names what decided (shown to staff in the admin)."""

    category: str = ReplyCategory.OTHER
    opt_out: str = OptOutCertainty.NONE
    rule: str = ""
    addresses: tuple = field(default_factory=tuple)

    def addresses_as_json(self) -> list[dict]:
        return [asdict(a) for a in self.addresses]


@lru_cache(maxsize=8)
def _reader_for(path: str):
    return import_string(path)()


def get_reader():
    """The configured reader instance (one per dotted path, reused)."""
    return _reader_for(getattr(settings, "TEXT_READER", "") or DEFAULT_READER)


def read_message(text: str | None) -> Reading:
    """Read a homeowner's message with the configured reader."""
    return get_reader().read(text or "")
