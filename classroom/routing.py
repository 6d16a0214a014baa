from django.urls import path

from classroom import consumers

websocket_urlpatterns = [
    path("ws/l/<str:code>/student/", consumers.StudentConsumer.as_asgi()),
    path("ws/l/<str:code>/teacher/", consumers.LessonViewerConsumer.as_asgi()),
    path("ws/l/<str:code>/watch/<str:token>/", consumers.LessonViewerConsumer.as_asgi()),
]
