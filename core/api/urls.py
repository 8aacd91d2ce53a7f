from django.urls import path

from core.api.views import ApiRootView

urlpatterns = [
    path("", ApiRootView.as_view(), name="root"),
]
