"""What a reading can say: the six reply categories and how sure an opt-out is."""
from __future__ import annotations

from django.db import models


class ReplyCategory(models.TextChoices):
    INTERESTED = "interested", "Interested"
    NOT_INTERESTED = "not_interested", "Not interested"
    OPT_OUT = "opt_out", "Opt-out"
    WRONG_NUMBER = "wrong_number", "Wrong number"
    QUESTION = "question", "Question"
    OTHER = "other", "Other"


class OptOutCertainty(models.TextChoices):
    CERTAIN = "certain", "Certain: opted out"
    POSSIBLE = "possible", "Possible: held for a person to decide"
    NONE = "none", "No"
