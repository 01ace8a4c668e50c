FROM python:3.11-slim
WORKDIR /app
# Installed as docs/deployment.md's "Without make" says: CPU torch first, pinned, so sentence-transformers
# does not pull CUDA builds; then the package itself.
RUN pip install --no-cache-dir torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu
COPY pyproject.toml README.md ./
COPY gateway gateway
COPY clustering clustering
COPY admin_ui admin_ui
RUN pip install --no-cache-dir .
# Listen beyond the container; keep the spool (interactions waiting for the database) and the
# embedding model's exported ONNX graphs (made once, on first use) in a volume.
ENV FEEDGATE_HOST=0.0.0.0 \
    FEEDGATE_SPOOL_PATH=/var/lib/feedgate/spool.jsonl \
    FEEDGATE_MODEL_CACHE_DIR=/var/lib/feedgate/models
# The gateway runs as its own unprivileged user. Its state directory (and the models directory a
# named volume mounts there) belongs to that user in the image, so a new named volume starts with
# that owner; it is also its home, where numba caches compiled code it cannot keep in site-packages.
RUN useradd --system --uid 10001 --home-dir /var/lib/feedgate --shell /usr/sbin/nologin feedgate \
    && mkdir -p /var/lib/feedgate/models \
    && chown -R feedgate:feedgate /var/lib/feedgate
USER feedgate
VOLUME /var/lib/feedgate
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=3)"]
# FEEDGATE_WORKERS=N (or --workers N) runs N gateway processes on the one port.
CMD ["feedgate", "serve"]
