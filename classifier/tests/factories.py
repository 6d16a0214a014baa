import factory
from django.utils import timezone

from classifier.models import Job
from classroom.models import Student
from classroom.tests.factories import LessonFactory


class StudentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Student

    lesson = factory.SubFactory(LessonFactory)
    session_key = factory.Sequence(lambda n: f"session-{n}")
    since = factory.LazyFunction(timezone.now)
    last_seen = factory.LazyFunction(timezone.now)


class JobFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Job

    student = factory.SubFactory(StudentFactory)
    lesson = factory.SelfAttribute("student.lesson")
    labels = ["bird", "forest"]
