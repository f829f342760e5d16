from django.core.paginator import Paginator

PAGE_SIZE = 50


def paginate(request, queryset, per_page: int = PAGE_SIZE):
    """One page of `queryset` for ?page=N; a bad or too-large N gives the nearest valid page."""
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))
