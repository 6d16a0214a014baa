import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Create a teacher account; prints a generated password when none is given."

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--password")

    def handle(self, *args, name, password=None, **options):
        users = get_user_model()
        if users.objects.filter(username=name).exists():
            raise CommandError(f"A teacher named {name!r} already exists.")
        generated = password is None
        password = password or secrets.token_urlsafe(12)
        users.objects.create_user(username=name, password=password)
        self.stdout.write(f"Created teacher {name}" + (f" with password {password}" if generated else ""))
