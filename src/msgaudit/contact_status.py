"""Who may be contacted on the audit date: one `ContactStatus` per person and channel.

Worked out during the audit (`msgaudit.rules.contactability`) from the same consent and opt-out state the
rules judge, and written as contactability.csv (`msgaudit.report.contactability`): a list the organisation
can load into its sending tool as a suppression list.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

# marketing: may receive marketing; service-only: messages that are not marketing only; do-not-contact:
# nothing on this channel; unknown: no consent or relationship on record that allows even service messages.
Contactable = Literal["marketing", "service-only", "do-not-contact", "unknown"]


class ContactStatus(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    contact: str
    channel: str
    status: Contactable
    reason: str
    since: datetime | None = None
    source: str | None = None
