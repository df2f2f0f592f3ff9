"""The product's URLs plus one page that always fails, to see the 500 page end to end."""

from django.urls import path

from ccp.urls import handler500  # noqa: F401 (Django reads handler500 here)
from ccp.urls import urlpatterns as product_urlpatterns


def broken(request):
    raise RuntimeError("this page always fails")


urlpatterns = [path("broken/", broken), *product_urlpatterns]
