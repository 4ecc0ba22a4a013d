# carto-mcp: a Model Context Protocol server for the CARTO SQL API v3.
#
#   docker build -t carto-mcp .
#   docker run -i --rm -e CARTO_API_ACCESS_TOKEN -e CARTO_CONNECTION carto-mcp
#   docker run -i --rm carto-mcp --local        # embedded demo warehouse
#
# The build stage runs .ci/build.sh, the same script CI runs on every change.

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN ./.ci/build.sh /out/carto-mcp "${VERSION}"

# The binary is static (see .ci/build.sh), so distroless/static is enough: CA
# certificates for HTTPS to CARTO, time zones, and nothing else; :nonroot runs as
# uid 65532.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/carto-mcp /usr/local/bin/carto-mcp
USER nonroot:nonroot
# stdio by default: an MCP client starts the container and speaks on stdin/stdout.
ENTRYPOINT ["/usr/local/bin/carto-mcp"]
