"""The job socket: the job object on connect and on every change, for its student or the lesson's teacher."""

from channels.db import database_sync_to_async
from django.core.exceptions import PermissionDenied
from django.http import Http404

from classifier.access import job_for_request
from classifier.notify import job_group
from classifier.serializers import job_json
from classroom.consumers import CLOSE_FORBIDDEN, CLOSE_NOT_FOUND, SafeJsonConsumer


def _job_for_scope(scope) -> dict:
    job = job_for_request(scope["user"], scope["session"], scope["url_route"]["kwargs"]["job_id"])
    return job_json(job)


class JobConsumer(SafeJsonConsumer):
    async def connect(self):
        try:
            job = await database_sync_to_async(_job_for_scope)(self.scope)
        except Http404:
            return await self.close(code=CLOSE_NOT_FOUND)
        except PermissionDenied:
            return await self.close(code=CLOSE_FORBIDDEN)
        await self.join([job_group(job["id"])])
        await self.accept()
        await self.send_json({"type": "job", **job})

    async def job(self, event):
        # The contract sends the job object itself; "type" is added so clients can tell it from errors.
        await self.send_json({"type": "job", **event["job"]})
