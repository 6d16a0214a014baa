# One image for the web server and the Celery workers.
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
RUN SECRET_KEY=build-only python manage.py collectstatic --noinput
RUN useradd --create-home classroom && mkdir -p /app/var/media && chown -R classroom /app/var
USER classroom
EXPOSE 8000
# The same options as config/web.py.
CMD ["uvicorn", "config.asgi:application", "--host", "0.0.0.0", "--port", "8000", "--ws-max-size", "65536", "--ws-ping-interval", "60", "--no-access-log", "--backlog", "4096", "--proxy-headers"]
