# The Spotter worker image (see compose.yaml): the locked dependencies, then the project.
FROM python:3.12-slim
WORKDIR /app
COPY requirements.lock ./
RUN pip install --no-cache-dir --no-deps -r requirements.lock
COPY pyproject.toml README.md ./
COPY bot bot
COPY coaching coaching
COPY conversations conversations
COPY storage storage
RUN pip install --no-cache-dir --no-deps .
USER nobody
CMD ["spotter"]
