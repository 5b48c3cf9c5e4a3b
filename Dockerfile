# Build stage: Swift 6.3, the same release build command CI runs (.ci/run).
FROM swift:6.3-bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends libsqlite3-dev && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Package.swift ./
COPY Sources ./Sources
COPY Tests ./Tests
RUN swift build -c release --product intercache

# Runtime stage: slim Swift runtime, CA certificates for api.intercom.io, a non-root user, data on a volume.
FROM swift:6.3-bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates libsqlite3-0 \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /data intercache \
    && mkdir -p /data && chown intercache /data
COPY --from=build /src/.build/release/intercache /usr/local/bin/intercache
USER intercache
WORKDIR /data
VOLUME ["/data"]
ENV INTERCACHE_DATABASE=/data/intercache.sqlite
# Reachable from outside the container; serve then requires INTERCACHE_API_KEYS (or --allow-unauthenticated).
ENV INTERCACHE_HOST=0.0.0.0 INTERCACHE_PORT=8080
EXPOSE 8080
ENTRYPOINT ["intercache", "serve"]
