"""gunicorn's settings, read from the working directory by ``gunicorn rematch.wsgi:application``
(the Dockerfile, docker-compose.yml and benchmarks/load.py start it so).

Sized for the 2-core machine, on which gunicorn shares the cores with PostgreSQL: one process
per core, each with threads that overlap their requests' database waits (a page spends about
half its time waiting for PostgreSQL). More processes than cores only switch between requests
and each holds its own copy of the application; WEB_CONCURRENCY and GUNICORN_THREADS override.
Idle connections are kept open between a person's pages (1-3 s apart), so a page does not
pay for a new connection; gthread keeps them in its poller, not in a thread. The web
processes' queries run without PostgreSQL's parallel workers (DB_PARALLEL_WORKERS, read by
the settings): a page's query shares the cores with the other requests anyway, and each
worker of a parallel hash join builds the whole hash table again, so a parallel plan spent
up to three times the CPU of the serial one for the same answer."""

import os


def _cores() -> int:
    """The cores this process may run on (a container's CPU set), not the host's count."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 2


# Before the application is loaded: the settings read it in each worker process.
os.environ.setdefault("DB_PARALLEL_WORKERS", "0")

workers = int(os.environ.get("WEB_CONCURRENCY", str(_cores())))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "8"))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "30"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "warning")
