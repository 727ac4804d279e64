"""What a check may read besides its own rows: the prepared views, the legal reference, the auditee."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from msgaudit.rules.prepare import Prepared


@dataclass
class CheckContext:
    tables: Prepared
    reference: Any  # msgaudit.law.Reference
    organisation: Any | None  # msgaudit.inventory.Organisation
    as_of: pd.Timestamp  # end of the audit: UTC midnight after the --as-of date
