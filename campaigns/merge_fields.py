"""Campaign message templates: the merge fields and segment counting live in contacts.merge_fields.

Saved replies in the office inbox use the same fields, and contacts may not import campaigns,
so the rules moved down; this module keeps the campaigns' imports working.
"""
from contacts.merge_fields import (  # noqa: F401
    GSM_PART,
    GSM_SINGLE,
    MERGE_FIELDS,
    UCS2_PART,
    UCS2_SINGLE,
    Placeholder,
    SegmentCount,
    count_segments,
    parse_placeholders,
    render_template,
    validate_template,
)
