"""/admin/inbox/...: every view wrapped in the admin site's login and staff check."""
from django.contrib import admin
from django.urls import path

from . import views

app_name = "inbox"

_v = admin.site.admin_view

urlpatterns = [
    path("", _v(views.inbox_index), name="index"),
    path("poll.json", _v(views.inbox_poll), name="poll"),
    path("<int:pk>/", _v(views.thread), name="thread"),
    path("<int:pk>/poll.json", _v(views.thread_poll), name="thread_poll"),
    path("<int:pk>/reply/", _v(views.reply), name="reply"),
    path("<int:pk>/<slug:name>/", _v(views.action), name="action"),
]
