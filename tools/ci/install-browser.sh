#!/usr/bin/env bash
# The browser of the browser test tier (apps/api/test/browser.test.ts): Debian's `chromium` package,
# driven by playwright-core at /usr/bin/chromium. Never a downloaded browser build: playwright's own
# browser downloads are not used anywhere. Works on a fresh Debian machine as root (or with sudo).
# Used by .ci/run; a development machine runs it once. Images built from apps/*/Dockerfile carry no
# browser (they run no tests).
set -euo pipefail

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

if [ -x /usr/bin/chromium ]; then
  # Debian's wrapper script prints a harmless shell warning on some machines; only the version matters.
  echo "browser: $(/usr/bin/chromium --version 2>/dev/null || echo 'chromium (version unknown)')"
  exit 0
fi

echo "browser: installing Debian's chromium"
as_root apt-get update -qq
# fonts-dejavu-core: text in pages renders with a real font; the rest comes with the package.
as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
echo "browser: $(/usr/bin/chromium --version 2>/dev/null)"
