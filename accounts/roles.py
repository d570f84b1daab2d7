"""The permissions each role's group holds (CONTRACT section 6), as data.

Every app adds its models here as it arrives. ``*`` means view, add, change and delete.
Row-level scoping (an agent sees only their own leads) lives in the selectors.
"""

from __future__ import annotations

from accounts.models import Role

ALL = ("view", "add", "change", "delete")

ROLE_PERMISSIONS: dict[str, dict[str, tuple[str, ...]]] = {
    Role.AGENT: {
        "operators.operator": ("view",),
        "operators.product": ("view",),
        "leads.contact": ("view", "add", "change"),
        "leads.lead": ("view", "add", "change"),
        "conversations.conversation": ("view", "change"),
        "conversations.message": ("view", "add"),
        "conversations.note": ("view", "add"),
        "conversations.messagetemplate": ("view",),
        "conversations.tag": ("view",),
        "conversations.quickreply": ("view",),
        "agreements.debt": ("view",),
        "agreements.paymentagreement": ("view", "add"),
        "agreements.installment": ("view",),
        "agreements.payment": ("view", "add"),
        "agreements.collectionaction": ("view", "add"),
        "tickets.ticket": ("view", "add", "change"),  # their own and their team's unassigned
        "tickets.ticketcomment": ("view", "add"),
        "tickets.ticketattachment": ("view", "add"),
        "tickets.ticketevent": ("view",),
        "tickets.ticketcategory": ("view",),
        "sales.quote": ("view",),
        "sales.sale": ("view",),
        "sales.commission": ("view",),
        "calls.call": ("view", "change"),  # their own calls' outcome and notes (the panel and the API)
        "calls.callscript": ("view",),
        "calls.callscriptstep": ("view",),
        "quality.audit": ("view",),  # their own audits, once sent; they acknowledge or dispute them
        "quality.auditscore": ("view",),
    },
    Role.BACKOFFICE: {
        "sales.quote": ("view",),
        "sales.sale": ("view", "change"),
        "sales.commission": ("view",),
        "agreements.debt": ("view", "add", "change"),
        "agreements.paymentagreement": ("view",),
        "agreements.installment": ("view",),
        "agreements.payment": ("view", "add"),
        "agreements.collectionaction": ("view",),
        "tickets.ticket": ("view", "add", "change"),
        "tickets.ticketcomment": ("view", "add"),
        "tickets.ticketattachment": ("view", "add"),
        "tickets.ticketevent": ("view",),
        "tickets.ticketcategory": ("view",),
        "tickets.slapolicy": ("view",),
        "operators.operator": ("view",),
        "operators.product": ("view", "change"),
        "leads.contact": ("view", "change"),
        "leads.lead": ("view",),
        "accounts.user": ("view",),
        "conversations.conversation": ("view",),
        "conversations.message": ("view",),
        "conversations.note": ("view",),
        "conversations.followuptask": ("view",),
        "calls.call": ("view", "change"),  # outcome and notes only; the rest is read-only in admin
        "calls.callrecording": ("view",),
        "calls.callscript": ("view",),
        "calls.callscriptstep": ("view",),
        "calls.watchkeyword": ("view",),
        "quality.audit": ("view",),
        "quality.auditscore": ("view",),
        "quality.evaluationmatrix": ("view",),
        "quality.matrixsection": ("view",),
        "quality.criterion": ("view",),
    },
    Role.SUPERVISOR: {
        "operators.operator": ALL,
        "operators.product": ALL,
        "leads.contact": ALL,
        "leads.lead": ALL,
        "leads.scoringrule": ("view", "change"),
        "leads.scoringsettings": ("view", "change"),
        "accounts.user": ("view",),
        "accounts.team": ("view",),
        "accounts.auditentry": ("view",),  # their teams' entries only (accounts.selectors)
        "conversations.conversation": ("view", "change"),
        "conversations.message": ("view", "add"),
        "conversations.note": ("view", "add", "change"),
        "conversations.messagetemplate": ALL,
        "conversations.tag": ALL,
        "conversations.webhookevent": ("view",),
        "conversations.channelaccount": ("view",),
        "conversations.quickreply": ALL,
        "conversations.followuptask": ("view", "change"),
        "ai.airequest": ("view",),
        "ai.lexiconentry": ALL,
        "ai.knowledgeentry": ALL,  # the answers the assistant gives on warranty, delivery, hours, payment...
        "ai.intentcorrection": ("view", "delete"),  # what the panel's agents taught the AI (conversations' admin)
        "sales.quote": ("view",),
        "sales.sale": ("view", "change"),
        "sales.commission": ("view",),
        "sales.commissionrule": ALL,
        "sales.discountlimit": ("view",),  # a supervisor must not raise their own cap
        "agreements.debt": ALL,
        "agreements.paymentagreement": ("view", "add", "change"),
        "agreements.installment": ("view",),
        "agreements.payment": ("view", "add"),
        "agreements.collectionaction": ("view", "add"),
        "tickets.ticket": ("view", "add", "change"),  # their teams'; changes through the ticket page
        "tickets.ticketcomment": ("view", "add"),
        "tickets.ticketattachment": ("view", "add"),
        "tickets.ticketevent": ("view",),
        "tickets.ticketcategory": ALL,  # routing: which team or agents get a category's tickets
        "tickets.slapolicy": ("view",),  # the promise to customers: admins set it
        "calls.call": ("view", "change"),  # their teams' calls: outcome and notes only
        "calls.callrecording": ("view",),
        "calls.callscript": ALL,
        "calls.callscriptstep": ALL,
        "calls.watchkeyword": ALL,  # competitors and cancellation words the call analysis looks for
        "quality.evaluationmatrix": ALL,  # scorecards: a used version is frozen, an edit makes the next one
        "quality.matrixsection": ALL,
        "quality.criterion": ALL,
        "quality.audit": ("view", "add", "change"),  # their teams' agents; supervisors are the quality analysts
        "quality.auditscore": ("view", "add", "change"),
        # Service levels: their teams' calendar and out-of-office answer; the company default and the
        # first-response targets are the admins' (sla/admin.py keeps the rows to their teams).
        "sla.servicehours": ("view", "add", "change"),
        "sla.businesshours": ALL,
        "sla.holiday": ALL,
        "sla.responsetarget": ("view",),
        "sla.outofofficereply": ("view",),
        "sla.slanotice": ("view",),
        "csat.csatsurvey": ("view",),  # their teams' ratings
        "csat.csatsettings": ("view",),
        # Their teams' rules (company-wide ones are the admins'); the run log is read-only.
        "automations.automationrule": ALL,
        "automations.automationaction": ALL,
        "automations.automationrun": ("view",),
        # Routing: their teams' policies (no delete: switch one off) and their agents' skills.
        "routing.routingpolicy": ("view", "add", "change"),
        "routing.agentskill": ALL,
    },
    # Admins hold every permission of every model (see services.roles_create).
    Role.ADMIN: {},
}

STAFF_ROLES = frozenset({Role.BACKOFFICE, Role.SUPERVISOR, Role.ADMIN})
