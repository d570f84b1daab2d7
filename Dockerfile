# One image for web, worker and beat (the distributed mode; see docker-compose.yml).
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY . .
RUN SECRET_KEY=build-only python manage.py collectstatic --noinput --verbosity 0
RUN useradd --create-home crm && chown -R crm /app
USER crm
EXPOSE 8000
# uvicorn with httptools and uvloop: HTTP and the panel's WebSocket (bench/webhooks.py compares it with daphne).
CMD ["uvicorn", "--host", "0.0.0.0", "--port", "8000", "--no-access-log", "--no-proxy-headers", "config.asgi:application"]
