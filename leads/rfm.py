"""RFM segments and outreach profiles of contacts, from their validated sales.

Scoring (1 = worst, 5 = best), fixed thresholds so a contact's segment does not move when others buy:

====  ==============================  =======================  ==============================
score  R: days since the last purchase  F: validated purchases   M: total spent (any currency)
====  ==============================  =======================  ==============================
5      ≤ 30                             ≥ 10                     ≥ 5000
4      ≤ 90                             ≥ 5                      ≥ 2000
3      ≤ 180                            ≥ 3                      ≥ 1000
2      ≤ 365                            2                        ≥ 300
1      more                             1                        less
====  ==============================  =======================  ==============================

Segments, first match wins, with FM = round((F + M) / 2):
Champions (R ≥ 4, FM ≥ 4), Loyal (R ≥ 3, FM ≥ 3), Potential Loyalist (R ≥ 4, FM = 2), New (R = 5, FM = 1),
Promising (R = 4, FM = 1), Need Attention (R = 3), At Risk (R ≤ 2, FM ≥ 3), Hibernating (R = 2), Lost (R = 1).
A contact without validated sales has no segment.

Outreach profiles, checked in this order:
1. ``new_customer``: no purchases.
2. ``first_purchase``: at most 3 purchases and the first under 30 days ago (a customer for under 30 days).
3. ``vip``: Champions, or total spent above ``OUTREACH_VIP_AMOUNT`` (settings, env; default 3000).
4. ``at_risk``: At Risk or Hibernating, and more than 180 days since the last purchase.
5. ``reactivated``: bought again recently (1 to 3 purchases in the last 30 days) after a long silence
   (purchases older than 180 days and none between 30 and 180 days ago).
6. ``active_repeat``: everyone else.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from leads.purchases import purchases

RECENT_DAYS = 30
DORMANT_DAYS = 180
FIRST_PURCHASE_MAX = 3
DEFAULT_VIP_AMOUNT = Decimal("3000")

R_DAYS = (30, 90, 180, 365)  # ≤ each → 5, 4, 3, 2; above → 1
F_COUNTS = (10, 5, 3, 2)  # ≥ each → 5, 4, 3, 2; else 1
M_AMOUNTS = (Decimal("5000"), Decimal("2000"), Decimal("1000"), Decimal("300"))  # ≥ each → 5, 4, 3, 2


class Segment(StrEnum):
    CHAMPIONS = "champions"
    LOYAL = "loyal"
    POTENTIAL_LOYALIST = "potential_loyalist"
    NEW = "new"
    PROMISING = "promising"
    NEED_ATTENTION = "need_attention"
    AT_RISK = "at_risk"
    HIBERNATING = "hibernating"
    LOST = "lost"


SEGMENT_NAMES = {
    Segment.CHAMPIONS: _("Champions"),
    Segment.LOYAL: _("Loyal"),
    Segment.POTENTIAL_LOYALIST: _("Potential Loyalist"),
    Segment.NEW: _("New"),
    Segment.PROMISING: _("Promising"),
    Segment.NEED_ATTENTION: _("Need Attention"),
    Segment.AT_RISK: _("At Risk"),
    Segment.HIBERNATING: _("Hibernating"),
    Segment.LOST: _("Lost"),
}


class Profile(StrEnum):
    NEW_CUSTOMER = "new_customer"
    FIRST_PURCHASE = "first_purchase"
    VIP = "vip"
    AT_RISK = "at_risk"
    REACTIVATED = "reactivated"
    ACTIVE_REPEAT = "active_repeat"


PROFILE_NAMES = {
    Profile.NEW_CUSTOMER: _("New customer"),
    Profile.FIRST_PURCHASE: _("First purchase"),
    Profile.VIP: _("VIP customer"),
    Profile.AT_RISK: _("Customer at risk"),
    Profile.REACTIVATED: _("Reactivated customer"),
    Profile.ACTIVE_REPEAT: _("Active repeat customer"),
}


@dataclass(frozen=True)
class PurchaseSummary:
    """What RFM needs of one contact's validated sales (one aggregate row)."""

    count: int = 0
    total: Decimal = Decimal("0")
    first_at: datetime | None = None
    last_at: datetime | None = None
    recent_count: int = 0  # in the last RECENT_DAYS
    middle_count: int = 0  # between RECENT_DAYS and DORMANT_DAYS ago
    old_count: int = 0  # more than DORMANT_DAYS ago


@dataclass(frozen=True)
class RFM:
    recency: int
    frequency: int
    monetary: int
    segment: Segment
    days_since_last: int

    @property
    def segment_name(self) -> str:
        return str(SEGMENT_NAMES[self.segment])


def vip_amount() -> Decimal:
    raw = getattr(settings, "OUTREACH_VIP_AMOUNT", DEFAULT_VIP_AMOUNT)
    try:
        return Decimal(str(raw))
    except InvalidOperation:
        return DEFAULT_VIP_AMOUNT


def _score_recency(silence: timedelta) -> int:
    return next((5 - i for i, limit in enumerate(R_DAYS) if silence <= timedelta(days=limit)), 1)


def _score_at_least(value: Any, limits: tuple[Any, ...]) -> int:
    return next((5 - i for i, limit in enumerate(limits) if value >= limit), 1)


def segment_for(recency: int, frequency: int, monetary: int) -> Segment:
    fm = round((frequency + monetary) / 2 + 1e-9)  # halves round up
    if recency >= 4 and fm >= 4:
        return Segment.CHAMPIONS
    if recency >= 3 and fm >= 3:
        return Segment.LOYAL
    if recency >= 4 and fm == 2:
        return Segment.POTENTIAL_LOYALIST
    if recency == 5:
        return Segment.NEW
    if recency == 4:
        return Segment.PROMISING
    if recency == 3:
        return Segment.NEED_ATTENTION
    if fm >= 3:
        return Segment.AT_RISK
    if recency == 2:
        return Segment.HIBERNATING
    return Segment.LOST


def rfm_score(summary: PurchaseSummary, *, now: datetime | None = None) -> RFM | None:
    """The RFM scores and segment, or None without purchases."""
    if not summary.count or summary.last_at is None:
        return None
    silence = max(timedelta(0), (now or timezone.now()) - summary.last_at)
    days = silence.days
    r = _score_recency(silence)
    f = _score_at_least(summary.count, F_COUNTS)
    m = _score_at_least(summary.total, M_AMOUNTS)
    return RFM(recency=r, frequency=f, monetary=m, segment=segment_for(r, f, m), days_since_last=days)


def outreach_profile(summary: PurchaseSummary, *, now: datetime | None = None) -> Profile:
    """The outreach profile (module docstring: the six rules, in order)."""
    now = now or timezone.now()
    rfm = rfm_score(summary, now=now)
    if rfm is None:
        return Profile.NEW_CUSTOMER
    first_at = summary.first_at or summary.last_at
    if summary.count <= FIRST_PURCHASE_MAX and first_at and now - first_at < timedelta(days=RECENT_DAYS):
        return Profile.FIRST_PURCHASE
    if rfm.segment == Segment.CHAMPIONS or summary.total > vip_amount():
        return Profile.VIP
    silent_for = now - (summary.last_at or now)
    if rfm.segment in (Segment.AT_RISK, Segment.HIBERNATING) and silent_for > timedelta(days=DORMANT_DAYS):
        return Profile.AT_RISK
    if summary.old_count and not summary.middle_count and 1 <= summary.recent_count <= FIRST_PURCHASE_MAX:
        return Profile.REACTIVATED
    return Profile.ACTIVE_REPEAT


# ---------------------------------------------------------------------------------------------
# Reading the purchases
# ---------------------------------------------------------------------------------------------
def _summaries(contact_ids: list[int] | QuerySet[Any], now: datetime) -> dict[int, PurchaseSummary]:
    rows = purchases().purchase_rows(contact_ids, recent_from=now - timedelta(days=RECENT_DAYS),
                                     dormant_from=now - timedelta(days=DORMANT_DAYS))
    return {
        row.contact_id: PurchaseSummary(
            count=row.count, total=row.total, first_at=row.first_at, last_at=row.last_at,
            recent_count=row.recent_count, middle_count=row.middle_count, old_count=row.old_count,
        )
        for row in rows
    }


def purchase_summaries(contact_ids: list[int], *, now: datetime | None = None) -> dict[int, PurchaseSummary]:
    """{contact id: summary} for many contacts in one query (contacts without sales are left out).

    The validated sales come from the selling app's registered source (``leads.purchases``)."""
    if not contact_ids:
        return {}
    return _summaries(contact_ids, now or timezone.now())


def contacts_with_profile(contacts: QuerySet[Any], profile: str, *, now: datetime | None = None) -> QuerySet[Any]:
    """``contacts`` narrowed to those whose outreach profile is ``profile`` (a ``Profile`` value).

    One aggregate over the validated sales of ``contacts`` (a subquery, however many they are), then
    the rules above in Python: one row per buyer. ``new_customer`` is everyone without a purchase.
    """
    now = now or timezone.now()
    summaries = _summaries(contacts.order_by().values("pk"), now)
    if profile == Profile.NEW_CUSTOMER:
        return contacts.exclude(pk__in=list(summaries))
    return contacts.filter(pk__in=[pk for pk, summary in summaries.items()
                                   if outreach_profile(summary, now=now) == profile])


def purchase_summary(contact_id: int, *, now: datetime | None = None) -> PurchaseSummary:
    return purchase_summaries([contact_id], now=now).get(contact_id, PurchaseSummary())


def segment_and_profile(summary: PurchaseSummary, *, now: datetime | None = None) -> dict[str, Any]:
    """The API shape: ``{"segment": {...} | None, "profile": {...}}``."""
    rfm = rfm_score(summary, now=now)
    profile = outreach_profile(summary, now=now)
    segment = None
    if rfm is not None:
        segment = {
            "code": rfm.segment.value,
            "name": rfm.segment_name,
            "recency": rfm.recency,
            "frequency": rfm.frequency,
            "monetary": rfm.monetary,
            "days_since_last_purchase": rfm.days_since_last,
            "purchases": summary.count,
            "total_spent": str(summary.total),
        }
    return {"segment": segment, "profile": {"code": profile.value, "name": str(PROFILE_NAMES[profile])}}


def contact_sales_and_quotes(*, user: Any, contact_id: int, limit: int = 20) -> tuple[list[Any], list[Any]]:
    """The contact's latest sales and quotes that ``user`` may see (the role policy, by agent)."""
    return purchases().contact_sales_and_quotes(user=user, contact_id=contact_id, limit=limit)
