# The rakortek worker, web server (portal and status board) and command line in one image.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app

# Dependencies first, so that a code change does not reinstall them: exactly those of the lock
# file (scripts/lock.sh writes it), each checked against its hash, so that two builds match.
COPY requirements.lock ./
RUN pip install --no-cache-dir --require-hashes -r requirements.lock

COPY . .
# Editable: templates, reference data and migrations are read from the source tree.
RUN pip install --no-cache-dir --no-deps -e . \
    && useradd --system --uid 10001 --home /app rakortek \
    && mkdir -p /data/output && chown -R rakortek /data

USER rakortek
CMD ["python", "worker.py"]
