import factory
from django.contrib.auth import get_user_model

from classroom.models import Lesson

PASSWORD = "a-long-teacher-password"


class TeacherFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"teacher{n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class LessonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lesson

    owner = factory.SubFactory(TeacherFactory)
    title = factory.Sequence(lambda n: f"Lesson {n}")
