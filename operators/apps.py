from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OperatorsConfig(AppConfig):
    name = "operators"
    verbose_name = _("Catalog")

    def ready(self) -> None:
        # Imported here, as in every ready(): models load only once the apps registry is ready.
        from core.config_cache import config_invalidate_on
        from operators.models import Operator, Product
        from operators.selectors import CATALOG_KEY

        # search_text is the search index's input; the AI's catalog does not read it.
        config_invalidate_on(CATALOG_KEY, Product, ignore_update_fields=("search_text", "updated_at"))
        config_invalidate_on(CATALOG_KEY, Operator)
