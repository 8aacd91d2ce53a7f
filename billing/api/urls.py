from django.urls import path

from billing.api import views

urlpatterns = [
    path("billing/setup-intents/", views.SetupIntentCreateView.as_view(), name="billing-setup-intents"),
    path("billing/payment-methods/", views.PaymentMethodListCreateView.as_view(), name="billing-payment-methods"),
    path(
        "billing/payment-methods/<str:pm_id>/",
        views.PaymentMethodDetailView.as_view(),
        name="billing-payment-method",
    ),
    path(
        "billing/payment-methods/<str:pm_id>/default/",
        views.PaymentMethodDefaultView.as_view(),
        name="billing-payment-method-default",
    ),
    path("billing/payments/", views.PaymentListView.as_view(), name="billing-payments"),
    path("billing/payments/<uuid:pk>/", views.PaymentDetailView.as_view(), name="billing-payment"),
]
