from django.urls import path

from api.exports import views

urlpatterns = [
    path("complaints.csv", views.ComplaintCSVExportView.as_view(), name="export-complaints-csv"),
    path("complaints.jsonl", views.ComplaintJSONLExportView.as_view(),
         name="export-complaints-jsonl"),
    path("events.jsonl", views.EventFeedView.as_view(), name="export-events"),
]
