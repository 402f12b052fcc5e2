from django.urls import path

from . import views

app_name = "dashboard"

urlpatterns = [
    path("", views.dashboard, name="index"),
    path("reports/monthly/", views.monthly_report, name="monthly_report"),
    path("reports/monthly/<str:month>/download/", views.monthly_report_download, name="monthly_report_download"),
]
