from rest_framework.pagination import PageNumberPagination

from core.paginators import EstimatedCountPaginator


class StandardPagination(PageNumberPagination):
    """``count``, ``next``, ``previous``, ``results``; ``?page_size=`` up to 200.

    Like the admin lists, an unfiltered list of a big PostgreSQL table reports the planner's row
    estimate instead of running ``COUNT(*)`` over every row.
    """

    django_paginator_class = EstimatedCountPaginator
    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 200
