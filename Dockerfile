# countyreport: one image for the manager, the portals and the report Jobs.
# Build: docker build -t countyreport:dev .

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY api/ api/
COPY cmd/ cmd/
COPY controllers/ controllers/
COPY internal/ internal/
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath \
      -ldflags "-s -w -X github.com/countyreport/countyreport/internal/version.Version=${VERSION}" \
      -o /out/countyreport ./cmd/countyreport

# The renderer embeds Debian's AR PL UMing and UKai (Arphic Public License),
# WenQuanYi Micro Hei (Apache-2.0) and DejaVu Serif into every PDF.
FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends fonts-wqy-microhei fonts-arphic-uming fonts-arphic-ukai fonts-dejavu-core fonts-dejavu-extra ca-certificates tzdata \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /out/countyreport /usr/local/bin/countyreport
# The same uid as the pod security contexts the operator writes.
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/countyreport"]
CMD ["manager"]
