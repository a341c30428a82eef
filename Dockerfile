# Loket in a container: docs/operations.md, "Docker".
#   docker build -t loket .
#   docker run -d -p 8080:8080 -v loket-data:/data -e LOKET_MASTER_KEY=... loket

FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# A static binary: no C library needed in the image.
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/loket ./cmd/loket
RUN mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
# distroless/static has ca-certificates and tzdata; copied again from the builder so
# that they match the Go toolchain's Debian.
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /usr/share/zoneinfo /usr/share/zoneinfo
COPY --from=build /out/loket /loket
COPY --from=build --chown=65532:65532 /out/data /data
USER 65532:65532
VOLUME /data
ENV LOKET_DATABASE_URL=sqlite:/data/loket.db \
    LOKET_ADDR=:8080 \
    LOKET_LOG_FORMAT=json
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 CMD ["/loket", "health"]
ENTRYPOINT ["/loket"]
CMD ["serve"]
