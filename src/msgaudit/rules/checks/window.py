"""The customer service window: free-form messages only within hours of the person's last message."""

from __future__ import annotations

import numpy as np
import pandas as pd
from pydantic import Field

from msgaudit.rules.checks import Params, check
from msgaudit.rules.checks.consent import join_codes, key
from msgaudit.rules.context import CheckContext
from msgaudit.rules.prepare import time_order


class WindowParams(Params):
    hours: float = Field(24, gt=0, description="Length of the window opened by each inbound message")
    free_form_only: bool = Field(True, description="Judge only messages known not to be templates (is_template false)")


def last_inbound(ctx: CheckContext, rows: pd.DataFrame) -> pd.Series:
    """For each row, the time of the person's latest inbound message on the row's channel at or before it.

    Matched by contact key and channel; system lines are not messages of the person. NaT where there is none.
    """
    m = ctx.tables.messages
    wanted = m["direction"].eq("inbound") & ~m["kind"].eq("system").fillna(False) & m["contact"].notna()
    inbound = m[["contact", "channel", "timestamp"]][wanted.to_numpy(dtype=bool)]
    right = pd.DataFrame({"_contact": inbound["contact"].astype(object), "_chan": key(inbound["channel"]).astype(object),
                          "_t": pd.to_datetime(inbound["timestamp"], utc=True)})
    right = right.assign(_last=right["_t"])
    right = right.iloc[time_order(right, ["_t"])]
    left = pd.DataFrame({"_row": np.arange(len(rows)), "_contact": rows["contact"].astype(object).fillna("").to_numpy(),
                         "_chan": key(rows["channel"]).astype(object).to_numpy(),
                         "_t": pd.to_datetime(rows["timestamp"], utc=True).array})
    left["_t"] = pd.to_datetime(left["_t"], utc=True)
    # pandas infers its string dtype for new frames; the join needs one dtype on both sides.
    for frame in (left, right):
        frame[["_contact", "_chan"]] = frame[["_contact", "_chan"]].astype(object)
    left["_key"], keys = join_codes([left["_contact"], left["_chan"]], [right["_contact"], right["_chan"]])
    right = right.drop(columns=["_contact", "_chan"]).assign(_key=keys)
    left = left.iloc[time_order(left, ["_t"])]
    joined = pd.merge_asof(left, right, on="_t", by="_key", direction="backward", allow_exact_matches=True)
    return joined.set_index("_row")["_last"].reindex(np.arange(len(rows))).set_axis(rows.index)


@check("service_window", WindowParams, applies_to=("messages", "deliveries"))
def service_window(ctx: CheckContext, rows: pd.DataFrame, p: WindowParams) -> pd.DataFrame:
    """Flag outbound messages sent outside the window opened by the person's last inbound message.

    The window for a message to person P at time T is opened by P's latest
    inbound message on the same channel at or before T (matched by contact key;
    system lines excluded) and lasts `hours`: a message exactly `hours` after
    it is still inside, and an inbound in the same second as the message opens
    the window for it. A person who never wrote has no window. The window is per
    person and channel, not per business number.

    Parameters:
      hours: window length (default 24, WhatsApp's customer service window).
      free_form_only: judge only rows whose is_template is false (default
        true); rows where it is unknown (null) are not judged, because a
        template may be sent at any time.

    Evidence: last_inbound_at (absent if the person never wrote),
    hours_since (hours from it to the message, two decimals).
    """
    # Only the columns the join reads: a boolean mask over the whole frame would copy every wide column.
    judged = rows[["contact", "channel", "timestamp"]]
    if p.free_form_only:
        judged = judged[rows["is_template"].eq(False).fillna(False).to_numpy(dtype=bool)]
    if judged.empty:
        return rows.iloc[:0, :0]
    last = last_inbound(ctx, judged)
    since = (pd.to_datetime(judged["timestamp"], utc=True) - last).dt.total_seconds() / 3600
    bad = last.isna() | (since > p.hours)
    return pd.DataFrame({
        "ev_last_inbound_at": last[bad],
        "ev_hours_since": since[bad].round(2),
    }, index=judged.index[bad])
