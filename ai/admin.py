from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _

from ai.catalog_source import catalog_items
from ai.knowledge import THRESHOLD, KnowledgeItem, rank, split_keywords
from ai.models import AIRequest, KnowledgeEntry, LexiconEntry
from ai.services import current_lexicon, lexicon_changed, monthly_budget, monthly_spend
from core.admin_tools import badge, progress_bar
from core.paginators import EstimatedCountPaginator

OUTCOME_COLOURS = {"ok": "success", "fallback": "warning", "error": "danger", "timeout": "danger",
                   "invalid": "warning", "budget": "dark"}


@admin.register(AIRequest)
class AIRequestAdmin(admin.ModelAdmin):
    list_display = ("created_at", "provider", "model", "purpose", "tokens_in", "tokens_out", "cost_usd",
                    "latency_ms", "outcome_badge", "subject")
    list_filter = ("provider", "purpose", "outcome", "created_at")
    search_fields = ("subject", "model", "error")
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AIRequest | None = None) -> bool:
        return False

    @admin.display(description=_("outcome"), ordering="outcome")
    def outcome_badge(self, obj: AIRequest) -> str:
        return badge(obj.outcome, OUTCOME_COLOURS.get(obj.outcome, "secondary"))

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None):  # type: ignore[no-untyped-def]
        spend = monthly_spend()
        budget = monthly_budget()
        used = int(100 * spend["cost_usd"] / budget) if budget else None
        extra = {
            "month": spend,
            "budget": budget,
            "budget_bar": progress_bar(min(used, 100), colour="danger" if used >= 90 else "primary")
            if used is not None else None,
        }
        return super().changelist_view(request, extra_context={**(extra_context or {}), **extra})


class TryMessageForm(forms.Form):
    text = forms.CharField(label=_("Customer message"), widget=forms.Textarea(attrs={"rows": 3, "cols": 80}),
                           max_length=2000)


@admin.register(LexiconEntry)
class LexiconEntryAdmin(admin.ModelAdmin):
    list_display = ("phrase", "kind", "key", "weight", "is_active", "updated_at")
    list_editable = ("weight", "is_active")
    list_filter = ("kind", "key", "is_active")
    search_fields = ("phrase", "key")
    change_list_template = "admin/ai/lexiconentry/change_list.html"

    def get_urls(self):  # type: ignore[no-untyped-def]
        return [path("try/", self.admin_site.admin_view(self.try_message), name="ai_lexiconentry_try"),
                *super().get_urls()]

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        super().save_model(request, obj, form, change)
        lexicon_changed()

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[LexiconEntry]) -> None:
        super().delete_queryset(request, queryset)
        lexicon_changed()

    def delete_model(self, request, obj):  # type: ignore[no-untyped-def]
        super().delete_model(request, obj)
        lexicon_changed()

    def try_message(self, request: HttpRequest) -> TemplateResponse:
        """Type a customer message and see what the local analyzer reads in it, with today's lexicon."""
        form = TryMessageForm(request.POST or None)
        analysis = None
        products: list[str] = []
        if request.method == "POST" and form.is_valid():
            from ai.local.analyzer import analyze

            catalog = catalog_items()
            analysis = analyze(form.cleaned_data["text"], lexicon=current_lexicon(), catalog=catalog)
            names = {item.id: item.name for item in catalog}
            products = [names.get(pid, pid) for pid in analysis.entities.products]
        context = {
            **self.admin_site.each_context(request),
            "title": _("Try a message"),
            "form": form,
            "analysis": analysis,
            "entities": {k: v for k, v in vars(analysis.entities).items() if v not in (None, "", (), False)}
            if analysis else {},
            "products": products,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/ai/lexiconentry/try.html", context)


TOPIC_COLOURS = {"warranty": "primary", "delivery": "info", "hours": "success", "payment": "warning",
                 "returns": "danger", "installation": "secondary", "other": "dark"}


class TryQuestionForm(forms.Form):
    text = forms.CharField(label=_("Customer question"), widget=forms.Textarea(attrs={"rows": 2, "cols": 80}),
                           max_length=2000)


@admin.register(KnowledgeEntry)
class KnowledgeEntryAdmin(admin.ModelAdmin):
    """The answers the assistant gives word for word; supervisors keep them (accounts.roles)."""

    list_display = ("question", "topic_badge", "keywords", "is_active", "updated_at")
    list_display_links = ("question",)
    list_editable = ("is_active",)
    list_filter = ("topic", "is_active")
    search_fields = ("question", "answer", "keywords")
    fieldsets = (
        (None, {"fields": ("topic", "question", "answer", "keywords", "is_active")}),
        (_("Store location"), {"fields": ("latitude", "longitude")}),
    )
    change_list_template = "admin/ai/knowledgeentry/change_list.html"

    @admin.display(description=_("topic"), ordering="topic")
    def topic_badge(self, obj: KnowledgeEntry) -> str:
        return badge(obj.get_topic_display(), TOPIC_COLOURS.get(obj.topic, "secondary"))

    def get_urls(self):  # type: ignore[no-untyped-def]
        return [path("try/", self.admin_site.admin_view(self.try_question), name="ai_knowledgeentry_try"),
                *super().get_urls()]

    def try_question(self, request: HttpRequest) -> TemplateResponse:
        """Type a customer question and see which active answer the assistant would give, and how sure."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        form = TryQuestionForm(request.POST or None)
        ranked = None
        if request.method == "POST" and form.is_valid():
            items = [
                KnowledgeItem(id=str(e.pk), topic=e.topic, question=e.question, answer=e.answer,
                              keywords=split_keywords(e.keywords), latitude=e.latitude, longitude=e.longitude)
                for e in KnowledgeEntry.objects.filter(is_active=True)
            ]
            ranked = rank(form.cleaned_data["text"], items)[:3]
        context = {
            **self.admin_site.each_context(request),
            "title": _("Try a question"),
            "form": form,
            "ranked": ranked,
            "threshold": THRESHOLD,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/ai/knowledgeentry/try.html", context)

