from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from . import views

app_name = "dashboard"

urlpatterns = [
    path("", views.dashboard, name="index"),
    # Managers sign in here: a dashboard account needs no "Staff status" (the admin's login does).
    path("login/", auth_views.LoginView.as_view(
        template_name="dashboard/login.html", next_page=reverse_lazy("dashboard:index"),
    ), name="login"),
    path("logout/", auth_views.LogoutView.as_view(next_page=reverse_lazy("dashboard:login")), name="logout"),
    path("reports/monthly/", views.monthly_report, name="monthly_report"),
    path("reports/monthly/<str:month>/download/", views.monthly_report_download, name="monthly_report_download"),
]
