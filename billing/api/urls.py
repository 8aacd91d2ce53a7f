from django.urls import path

from billing.api import membership_views as mv
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
    path("billing/earnings/", views.EarningsView.as_view(), name="billing-earnings"),
    path("billing/payments/", views.PaymentListView.as_view(), name="billing-payments"),
    path("billing/payments/<uuid:pk>/", views.PaymentDetailView.as_view(), name="billing-payment"),
    path("billing/tiers/", mv.TierListCreateView.as_view(), name="billing-tiers"),
    path("billing/tiers/<uuid:pk>/", mv.TierDetailView.as_view(), name="billing-tier"),
    path("billing/tiers/<uuid:pk>/archive/", mv.TierArchiveView.as_view(), name="billing-tier-archive"),
    path("billing/memberships/", mv.MembershipListJoinView.as_view(), name="billing-memberships"),
    path("billing/memberships/<uuid:pk>/", mv.MembershipDetailView.as_view(), name="billing-membership"),
    path(
        "billing/memberships/<uuid:pk>/receipts/",
        mv.MembershipReceiptsView.as_view(),
        name="billing-membership-receipts",
    ),
    path(
        "billing/memberships/<uuid:pk>/change-tier/",
        mv.MembershipChangeTierView.as_view(),
        name="billing-membership-change-tier",
    ),
    path("billing/memberships/<uuid:pk>/cancel/", mv.MembershipCancelView.as_view(), name="billing-membership-cancel"),
    path("billing/memberships/<uuid:pk>/resume/", mv.MembershipResumeView.as_view(), name="billing-membership-resume"),
    path(
        "billing/memberships/<uuid:pk>/retry-payment/",
        mv.MembershipRetryPaymentView.as_view(),
        name="billing-membership-retry-payment",
    ),
    path("billing/members/", mv.MemberListView.as_view(), name="billing-members"),
    path("billing/members/gifts/", mv.GiftCreateView.as_view(), name="billing-members-gift"),
]
