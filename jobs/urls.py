from django.urls import path

from . import views

app_name = "jobs"
urlpatterns = [path("<str:token>.ics", views.calendar_feed, name="calendar_feed")]
