FROM python:3.11-slim
WORKDIR /app
# CPU torch first, pinned, so sentence-transformers does not pull CUDA builds.
RUN pip install --no-cache-dir torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu
COPY pyproject.toml README.md ./
COPY gateway gateway
COPY clustering clustering
COPY admin_ui admin_ui
RUN pip install --no-cache-dir .
EXPOSE 8080
CMD ["feedgate", "serve", "--host", "0.0.0.0"]
