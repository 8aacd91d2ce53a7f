from django.urls import path

from core.dashboard import views

app_name = "studio"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.StudioLoginView.as_view(), name="login"),
    path("logout/", views.StudioLogoutView.as_view(), name="logout"),
]
