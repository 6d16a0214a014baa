import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password

from classroom.models import Lesson

PASSWORD = "a-long-teacher-password"
PASSWORD_HASH = make_password(PASSWORD)  # hashed once: the real hasher is slow on purpose


class TeacherFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()

    username = factory.Sequence(lambda n: f"teacher{n}")
    password = PASSWORD_HASH


class LessonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lesson

    owner = factory.SubFactory(TeacherFactory)
    title = factory.Sequence(lambda n: f"Lesson {n}")
