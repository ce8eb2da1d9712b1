FROM python:3.12-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
RUN apt-get update && apt-get install -y --no-install-recommends gettext && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml README.md ./
COPY . .
RUN pip install --no-cache-dir . && python manage.py compilemessages --ignore=.venv -v0 \
    && SECRET_KEY=build python manage.py collectstatic --noinput -v0
RUN useradd --create-home rematch && mkdir -p /app/media && chown rematch /app/media
USER rematch
EXPOSE 8000
CMD ["gunicorn", "rematch.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
