from django.conf import settings


def site(request):
    return {"signup_enabled": settings.SIGNUP_ENABLED}
