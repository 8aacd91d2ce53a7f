from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.shortcuts import render

from core.dashboard.home import studio_home


class StudioAuthenticationForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        # Emails match whatever their case; only the password is case-sensitive.
        "invalid_login": "Please enter a correct email and password. The password is case-sensitive.",
    }


class StudioLoginView(auth_views.LoginView):
    template_name = "studio/login.html"
    authentication_form = StudioAuthenticationForm
    redirect_authenticated_user = True


class StudioLogoutView(auth_views.LogoutView):
    pass


@login_required
def home(request):
    return render(request, "studio/home.html", studio_home(user=request.user))
