from django.urls import path

from classroom import api, views

urlpatterns = [
    path("", views.home, name="classroom-home"),
    path("accounts/signup/", views.signup, name="classroom-signup"),
    path("l/<str:code>/", views.student_page, name="classroom-student"),
    path("l/<str:code>/teacher/", views.teacher_view, name="classroom-teacher"),
    path("l/<str:code>/watch/<str:token>/", views.watch_view, name="classroom-watch"),
    path("l/<str:code>/join/", views.join_screen, name="classroom-join"),
    path("api/lessons", api.lessons, name="classroom-api-lessons"),
    path("api/lessons/<str:code>", api.lesson_detail, name="classroom-api-lesson"),
    path("api/l/<str:code>/revote", api.revote, name="classroom-api-revote"),
    path("api/l/<str:code>/markers", api.markers, name="classroom-api-markers"),
    path("api/l/<str:code>/watch-token", api.watch_token, name="classroom-api-watch-token"),
    path("api/l/<str:code>/cup", api.cup, name="classroom-api-cup"),
    path("api/l/<str:code>/summary", api.summary, name="classroom-api-summary"),
    path("api/l/<str:code>/history.csv", api.history_csv, name="classroom-api-history"),
]
