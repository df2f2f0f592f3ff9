from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET


@require_GET
@login_required
def home(request):
    if request.user.is_supervisor:
        return redirect("admin_console:dashboard")
    return redirect("panel:panel")


@require_GET
@login_required
def panel(request):
    return HttpResponse("panel")
