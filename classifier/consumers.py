"""The job socket: the job object on connect and on every change, for its student or the lesson's teacher."""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from classifier.access import job_for_request
from classifier.notify import job_group
from classifier.serializers import job_json
from classroom.consumers import CLOSE_FORBIDDEN, CLOSE_NOT_FOUND, SafeJsonConsumer


class JobConsumer(SafeJsonConsumer):
    def connect(self):
        try:
            job = job_for_request(self.scope["user"], self.scope["session"], self.scope["url_route"]["kwargs"]["job_id"])
        except Http404:
            return self.close(code=CLOSE_NOT_FOUND)
        except PermissionDenied:
            return self.close(code=CLOSE_FORBIDDEN)
        self.join([job_group(job.id)])
        self.accept()
        self.send_json({"type": "job", **job_json(job)})

    def job(self, event):
        # The contract sends the job object itself; "type" is added so clients can tell it from errors.
        self.send_json({"type": "job", **event["job"]})
