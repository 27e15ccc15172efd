# countyreport: one image for the manager, the portals and the report Jobs.
#
#   docker build --build-arg VERSION=$(git describe --tags --always) -t countyreport:dev .
#
# The build runs `make build`, the same command as on a workstation, so the
# binary in the image is built as the tests' is (static: CGO_ENABLED=0). The
# project's build machines have no container runtime, so this file is kept to
# those steps and read, not built, there. Pin the bases by digest as well
# (`docker buildx imagetools inspect golang:1.26.8-bookworm`) when you build.
FROM golang:1.26.8-bookworm AS build
# The font every PDF embeds (WenQuanYi Micro Hei, Apache-2.0), the time-zone
# database the schedules are read in, the CA roots for HTTPS storage; the
# versions are Debian 12's, as on the build machines.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      fonts-wqy-microhei=0.2.0-beta-3.1 tzdata ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY Makefile ./
COPY api/ api/
COPY cmd/ cmd/
COPY controllers/ controllers/
COPY internal/ internal/
ARG VERSION=dev
RUN make build VERSION=${VERSION} \
 && ./bin/countyreport version \
 && echo 'nonroot:x:65532:65532:nonroot:/nonexistent:/sbin/nologin' > /passwd \
 && echo 'nonroot:x:65532:' > /group

# No base at all: the static binary and the three data sets it reads.
FROM scratch
COPY --from=build /src/bin/countyreport /usr/local/bin/countyreport
COPY --from=build /usr/share/fonts/truetype/wqy/wqy-microhei.ttc /usr/share/fonts/truetype/wqy/wqy-microhei.ttc
COPY --from=build /usr/share/zoneinfo /usr/share/zoneinfo
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /passwd /etc/passwd
COPY --from=build /group /etc/group
# The same uid as the pod security contexts the chart and the operator write;
# the pods run with a read-only root filesystem and an emptyDir at /tmp.
USER 65532:65532
# Smoke test: the binary runs in the final image, as the non-root user.
RUN ["/usr/local/bin/countyreport", "version"]
ENTRYPOINT ["/usr/local/bin/countyreport"]
CMD ["manager"]
