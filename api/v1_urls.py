from django.urls import path

from api import views

complaints = views.ComplaintViewSet.as_view({"get": "list", "post": "create"})
complaint = views.ComplaintViewSet.as_view({"get": "retrieve"})

urlpatterns = [
    path("services/", views.ServiceListView.as_view(), name="services"),
    path("complaints/", complaints, name="complaints"),
    path("complaints/<str:tracking_number>/", complaint, name="complaint"),
    path("complaints/<str:tracking_number>/transitions/<str:action>/",
         views.TransitionView.as_view(), name="transition"),
    path("complaints/<str:tracking_number>/events/", views.EventListView.as_view(),
         name="events"),
    path("complaints/<str:tracking_number>/events/verify/", views.EventVerifyView.as_view(),
         name="events-verify"),
    path("complaints/<str:tracking_number>/reporter/", views.ReporterView.as_view(),
         name="reporter"),
]
