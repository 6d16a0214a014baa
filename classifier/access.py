"""Who may see a job: the student who launched it (same session) or the lesson's teacher."""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from classifier.models import Job
from classroom.access import student_key


def job_for_request(user, session, job_id) -> Job:
    job = Job.objects.select_related("lesson", "student").filter(id=job_id).first()
    if job is None:
        raise Http404("No such job.")
    if user.is_authenticated and job.lesson.owner_id == user.id:
        return job
    if job.student.session_key != student_key(session, create=False):
        raise PermissionDenied("This job belongs to another student.")
    return job
