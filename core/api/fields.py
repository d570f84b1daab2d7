from rest_framework import serializers


class TriStateBooleanField(serializers.BooleanField):
    """A query-string boolean that is ``None`` when absent."""

    default_empty_html = None
    initial = None

    def __init__(self, **kwargs: object) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_null", True)
        kwargs.setdefault("default", None)
        super().__init__(**kwargs)  # type: ignore[arg-type]
