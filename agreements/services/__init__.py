"""Writes for debts, payment agreements, payments and instalment reminders, one module per concern.

- ``agreement_create`` applies the discount and splits the agreed total into instalments that sum
  exactly to it (the last one takes the rounding remainder).
- ``payment_record`` locks the agreement and its instalments and pays the oldest ones first; it
  refuses anything above what is still owed.
- ``collection_action_log`` records a collector's call, message or visit and moves the debt's contact
  status and next follow-up; ``collection_followups_notify`` (beat) tells the collector once when it is due.
- ``installments_mark_overdue`` and ``installments_remind`` run daily (beat). A reminder is claimed
  by a unique row per instalment and kind, so it goes out once whatever runs twice.
"""

from agreements.services.agreements import agreement_activate, agreement_cancel, agreement_create
from agreements.services.collection import (
    InvalidResultError,
    collection_action_log,
    collection_agreement_create,
    collection_followups_notify,
)
from agreements.services.common import (
    AgreementExistsError,
    AgreementStateError,
    DiscountTooHighError,
    DuplicatePaymentError,
    InvalidAmountError,
    InvalidDateError,
    InvalidInstallmentsError,
    OverpaymentError,
    money,
    split_amount,
)
from agreements.services.debts import debt_create, debt_outstanding
from agreements.services.payments import payment_record
from agreements.services.reminders import (
    OverdueResult,
    RemindResult,
    installments_mark_overdue,
    installments_remind,
)

__all__ = [
    "AgreementExistsError", "AgreementStateError", "DiscountTooHighError", "DuplicatePaymentError",
    "InvalidAmountError", "InvalidDateError", "InvalidInstallmentsError", "InvalidResultError",
    "OverdueResult", "OverpaymentError",
    "RemindResult", "agreement_activate", "agreement_cancel", "agreement_create", "collection_action_log",
    "collection_agreement_create", "collection_followups_notify", "debt_create",
    "debt_outstanding", "installments_mark_overdue", "installments_remind", "money", "payment_record",
    "split_amount",
]
