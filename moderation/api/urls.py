from django.urls import path

from moderation.api import views

urlpatterns = [
    path("reports/", views.ReportListCreateView.as_view(), name="report-list"),
    path("reports/rules/", views.RuleListView.as_view(), name="report-rules"),
    path("staff/moderation/cases/", views.CaseQueueView.as_view(), name="moderation-cases"),
    path("staff/moderation/cases/bulk-action/", views.BulkActionView.as_view(), name="moderation-bulk-action"),
    path("staff/moderation/cases/<uuid:case_id>/", views.CaseDetailView.as_view(), name="moderation-case"),
    path("staff/moderation/cases/<uuid:case_id>/assign/", views.CaseAssignView.as_view(), name="moderation-assign"),
    path("staff/moderation/cases/<uuid:case_id>/notes/", views.CaseNoteView.as_view(), name="moderation-notes"),
    path("staff/moderation/cases/<uuid:case_id>/actions/", views.CaseActionView.as_view(), name="moderation-act"),
    path(
        "staff/moderation/decisions/<uuid:decision_id>/reverse/",
        views.DecisionReverseView.as_view(),
        name="moderation-reverse",
    ),
    path("staff/moderation/targets/act/", views.TargetsActionView.as_view(), name="moderation-targets-act"),
    path("staff/moderation/log/", views.LogView.as_view(), name="moderation-log"),
    path("staff/moderation/pending/", views.PendingWorkView.as_view(), name="moderation-pending"),
    path("staff/moderation/stats/", views.StatsView.as_view(), name="moderation-stats"),
]
