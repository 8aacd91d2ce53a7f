"""The studio's Earnings pages, mounted under /studio/ by config/urls.py."""

from django.urls import path

from billing.earnings_studio import views

app_name = "billing_earnings"

urlpatterns = [
    path("earnings/", views.earnings, name="earnings"),
    path("earnings/payouts/onboard/", views.connect_onboard, name="connect-onboard"),
    path("earnings/tax/country/", views.tax_country, name="tax-country"),
    path("earnings/revenue.csv", views.revenue_csv, name="revenue-csv"),
    path("earnings/statement/<int:year>.csv", views.statement_csv, name="statement-csv"),
]
