# countyreport: one image for the manager, the portals and the report Jobs.
#
#   docker build --build-arg VERSION=$(git describe --tags --always) -t countyreport:dev .
#
# The build runs `make build`, the same command as on a workstation, so the
# binary in the image is built as the tests' is (static: CGO_ENABLED=0). The
# project's build machines have no container runtime, so this file is kept to
# those steps and read, not built, there (hack/image-smoke.sh runs the final
# stage's file layout under chroot instead). Pin the bases by digest as well
# (`docker buildx imagetools inspect golang:1.26.8-bookworm`) when you build.
FROM golang:1.26.8-bookworm AS build
# The fonts every PDF embeds (AR PL UMing and UKai, Arphic Public License;
# WenQuanYi Micro Hei, Apache-2.0; DejaVu), the time-zone database the
# schedules are read in, the CA roots for HTTPS storage: Debian 12's.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      fonts-wqy-microhei fonts-arphic-uming fonts-arphic-ukai fonts-dejavu-core fonts-dejavu-extra \
      tzdata ca-certificates \
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

# No base at all: the static binary and the data it reads.
FROM scratch
COPY --from=build /src/bin/countyreport /usr/local/bin/countyreport
COPY --from=build /usr/share/fonts/truetype/wqy /usr/share/fonts/truetype/wqy
COPY --from=build /usr/share/fonts/truetype/arphic /usr/share/fonts/truetype/arphic
COPY --from=build /usr/share/fonts/truetype/dejavu /usr/share/fonts/truetype/dejavu
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
