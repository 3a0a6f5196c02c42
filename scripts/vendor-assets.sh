#!/usr/bin/env bash
# Refresh the vendored front-end assets from the npm registry (no CDN at run time).
# Usage: scripts/vendor-assets.sh   (needs npm; writes helpdesk/static/vendor/)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
dest="$here/helpdesk/static/vendor"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
npm pack --silent bootstrap@5.3.8 htmx.org@2.0.11 chart.js@4.6.1 >/dev/null
for f in *.tgz; do mkdir -p "${f%.tgz}"; tar xzf "$f" -C "${f%.tgz}"; done
mkdir -p "$dest"
cp bootstrap-5.3.8/package/dist/css/bootstrap.min.css "$dest/"
cp bootstrap-5.3.8/package/dist/js/bootstrap.bundle.min.js "$dest/"
cp htmx.org-2.0.11/package/dist/htmx.min.js "$dest/"
cp chart.js-4.6.1/package/dist/chart.umd.min.js "$dest/"
cp bootstrap-5.3.8/package/LICENSE "$dest/LICENSE.bootstrap"
cp htmx.org-2.0.11/package/LICENSE "$dest/LICENSE.htmx"
cp chart.js-4.6.1/package/LICENSE.md "$dest/LICENSE.chartjs"
echo "vendored into $dest"
