"""The three page shapes every configuration object shares: a searchable, sortable list; an add/edit
form that validates inline; and a delete that asks first and explains when something still uses it."""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import redirect, render

from ccp.errors import ResourceInUse, ServiceError

PAGE_SIZE = 50


def list_response(request, queryset, *, template, search, sorts, default_sort, extra=None):
    """Filter by ?q= over `search` fields, order by ?sort= (a key of `sorts`, "-" for descending), page by 50.

    An htmx request (the search-as-you-type box) gets only the table partial back.
    """
    q = request.GET.get("q", "").strip()
    if q:
        condition = Q()
        for field in search:
            condition |= Q(**{f"{field}__icontains": q})
        queryset = queryset.filter(condition)
    sort = request.GET.get("sort", default_sort)
    key = sort.removeprefix("-")
    if key not in sorts:
        sort, key = default_sort, default_sort.removeprefix("-")
    column = sorts[key]
    queryset = queryset.order_by(f"-{column}" if sort.startswith("-") else column, "pk")
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    pager_query = urlencode({"q": q, "sort": sort}) + "&" if q else urlencode({"sort": sort}) + "&"
    context = {
        "page": page,
        "rows": page.object_list,
        "q": q,
        "sort": sort,
        "pager_query": pager_query,
        **(extra or {}),
    }
    if request.htmx:
        template = f"{template}#table"
    return render(request, template, context)


def form_response(request, form_class, *, obj, save, template, noun, success_url, extra=None, form_kwargs=None):
    """Show `form_class` for `obj` (None to add); on a valid POST call `save(cleaned_data)` (a
    configuration service) and toast. A refusal from the service is shown next to its field."""
    form_kwargs = {"tenant": request.user.instance, **(form_kwargs or {})}
    if request.method == "POST":
        form = form_class(request.POST, instance=obj, **form_kwargs)
        if form.is_valid():
            try:
                saved = save(form.cleaned_data)
            except ServiceError as error:
                form_error(form, error)
            else:
                messages.success(request, f"{noun} “{saved}” {'saved' if obj else 'created'}.")
                return redirect(success_url)
    else:
        form = form_class(instance=obj, **form_kwargs)
    context = {"form": form, "object": obj, "noun": noun, "cancel_url": success_url, **(extra or {})}
    return render(request, template, context)


def form_error(form, error: ServiceError) -> None:
    """Put a service's refusal next to the field it names, or above the form."""
    form.add_error(error.field if error.field in form.fields else None, error.message)


def pick(data: dict, *names: str) -> dict:
    """The named entries of a form's cleaned data, as keyword arguments for a service."""
    return {name: data[name] for name in names}


def delete_response(request, obj, *, delete, noun, success_url, consequences=""):
    """GET asks for confirmation; POST calls `delete()` (a configuration service), or explains what
    still uses the object."""
    blockers = []
    if request.method == "POST":
        try:
            delete()
        except ResourceInUse as error:
            # The page's alert says it and lists them; a flash message would say it twice.
            blockers = error.blockers
        except ServiceError as error:
            messages.error(request, error.message)
            return redirect(success_url)
        else:
            messages.success(request, f"{noun} “{obj}” deleted.")
            return redirect(success_url)
    context = {
        "object": obj,
        "noun": noun,
        "cancel_url": success_url,
        "consequences": consequences,
        "blockers": blockers,
    }
    return render(request, "admin_console/confirm_delete.html", context, status=409 if blockers else 200)
