# okayface-worker: a Swift 6.3 build stage and a slim Debian runtime with the three C
# libraries. The same image runs the worker (`run`, the default), `migrate`, `results`,
# `purge`, and the vendor simulator (`okayface-dev simulator`) for staging.
#
#   docker build -t okayface-worker .
#   docker run --rm -e DATABASE_URL=… okayface-worker migrate

FROM swift:6.3-bookworm AS build
RUN apt-get update \
    && apt-get install -y --no-install-recommends librdkafka-dev libcurl4-openssl-dev libpq-dev pkg-config \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Dependencies first, so that a source change does not fetch them again.
COPY Package.swift ./
RUN swift package resolve
# SwiftPM checks every declared target's folder, the test targets' included.
COPY Sources Sources
COPY Tests Tests
RUN swift build -c release --static-swift-stdlib --product okayface-worker \
    && swift build -c release --static-swift-stdlib --product okayface-dev \
    && mkdir /out \
    && cp "$(swift build -c release --show-bin-path)/okayface-worker" "$(swift build -c release --show-bin-path)/okayface-dev" /out/

FROM debian:bookworm-slim AS runtime
RUN apt-get update \
    && apt-get install -y --no-install-recommends librdkafka1 libcurl4 libpq5 ca-certificates tzdata curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --user-group --home-dir /app --shell /usr/sbin/nologin okayface
COPY --from=build /out/okayface-worker /out/okayface-dev /usr/local/bin/
COPY migrations /app/migrations
WORKDIR /app
# `docker build --build-arg REVISION=$(git rev-parse --short HEAD) .` names the commit in
# `--version`, the start-up line and okayface_build_info.
ARG REVISION=""
ENV OKAYFACE_BUILD_REVISION=${REVISION} \
    HTTP_PORT=8080 \
    MIGRATIONS_DIR=/app/migrations \
    LOG_FORMAT=json
USER 10001:10001
# 8080: the worker's health and metrics; 8081: `okayface-worker console`.
EXPOSE 8080 8081
# Live: the process serves HTTP. Readiness (/readyz) is for orchestrators that route traffic;
# a worker takes none, so the container's health is liveness.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
    CMD curl -fsS "http://127.0.0.1:${HTTP_PORT}/livez" || exit 1
ENTRYPOINT ["okayface-worker"]
CMD ["run"]
