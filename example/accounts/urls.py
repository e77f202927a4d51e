from __future__ import annotations

from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("staff/", views.staff_directory, name="staff-directory"),
    path("staff/<int:user_id>/", views.profile_detail, name="profile-detail"),
    path("me/", views.my_profile, name="my-profile"),
]
