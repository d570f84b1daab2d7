from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AgreementsConfig(AppConfig):
    name = "agreements"
    verbose_name = _("Collections")

    def ready(self) -> None:
        # Imported here, as in every ready(): app modules load only once the apps registry is ready.
        from notifications import kinds

        kinds.register("collection.followup_due", label=_("Collection follow-up due"), icon="clock")
