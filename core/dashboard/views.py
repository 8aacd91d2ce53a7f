from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import render


class StudioLoginView(auth_views.LoginView):
    template_name = "studio/login.html"
    redirect_authenticated_user = True


class StudioLogoutView(auth_views.LogoutView):
    pass


@login_required
def home(request):
    return render(request, "studio/home.html", {})
