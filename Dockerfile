FROM python:3.12-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN apt-get update && apt-get install -y --no-install-recommends gettext && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# The exact versions (and hashes) of the lock file, in their own layer: a build resolves nothing and
# a code change does not reinstall the dependencies. Update with `make lock` (see the README).
COPY requirements/base.txt requirements/base.txt
RUN pip install --no-cache-dir --require-hashes -r requirements/base.txt
COPY . .
RUN pip install --no-cache-dir --no-deps . && pip check \
    && python manage.py compilemessages --ignore=.venv -v0 \
    && SECRET_KEY=build python manage.py collectstatic --noinput -v0
RUN useradd --create-home rematch && mkdir -p /app/media && chown rematch /app/media
USER rematch
EXPOSE 8000
# Workers, threads and keep-alive: gunicorn.conf.py (one process per core, threads for the
# database waits).
CMD ["gunicorn", "rematch.wsgi:application", "--bind", "0.0.0.0:8000"]
