#!/usr/bin/env bash
# The image's filesystem without a container runtime: the files the
# Dockerfile's final stage copies, laid out in a temporary root, and the
# binary run there as uid 65532 with chroot (needs root): `countyreport
# version`, then Hengshan's report rendered with nothing but the image's fonts.
# Usage: make build && sudo hack/image-smoke.sh
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "hack/image-smoke.sh needs root (chroot)" >&2; exit 1; }
[ -x bin/countyreport ] || { echo "bin/countyreport is missing: run make build" >&2; exit 1; }
for d in wqy arphic dejavu; do
  [ -d /usr/share/fonts/truetype/$d ] || { echo "/usr/share/fonts/truetype/$d is missing: run make deps" >&2; exit 1; }
done
root=$(mktemp -d); trap 'rm -rf "$root"' EXIT
chmod 755 "$root"
install -D -m 0755 bin/countyreport "$root/usr/local/bin/countyreport"
mkdir -p "$root/usr/share/fonts/truetype"
for d in wqy arphic dejavu; do cp -r /usr/share/fonts/truetype/$d "$root/usr/share/fonts/truetype/"; done
mkdir -p "$root/usr/share" && cp -r /usr/share/zoneinfo "$root/usr/share/"
install -D -m 0644 /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/ca-certificates.crt"
echo 'nonroot:x:65532:65532:nonroot:/nonexistent:/sbin/nologin' > "$root/etc/passwd"
echo 'nonroot:x:65532:' > "$root/etc/group"
install -D -m 0644 config/samples/datasets/hengshan-2023-01.yaml "$root/data/hengshan-2023-01.yaml"
mkdir -m 1777 "$root/tmp" "$root/out"
run() { chroot --userspec=65532:65532 "$root" /usr/local/bin/countyreport "$@"; }
run version
run generate --dataset /data/hengshan-2023-01.yaml --out /out
echo "image layout: ok"
