#!/usr/bin/env bash
# The test command: installs what the tests need beyond Java 17 and Maven, then runs every test.
#   - Node.js and npm (the Node test peers: ws, websocket-multiplex, playwright-core; Maven runs `npm ci`)
#   - Debian's chromium (the demo's end-to-end browser test; playwright-core drives /usr/bin/chromium)
#   - Debian's prometheus package for its promtool (StatAndMetricsIntegrationTest checks /metrics with
#     `promtool check metrics` and fails without it); in a container without an init system the package's
#     service is not started
#   - Debian's nats-server (the cluster tests start their own on a free port, with JetStream in a temporary
#     directory, and stop it by its process; the package's service is not used)
# Packages come from Debian (apt-get) and are installed only when missing.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v promtool >/dev/null 2>&1 || missing+=(prometheus)
[ -x /usr/sbin/nats-server ] || missing+=(nats-server)
if [ ${#missing[@]} -gt 0 ]; then
    echo "installing from Debian's packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${missing[@]}" >/dev/null
fi

java -version
mvn -v
echo "node $(node --version), npm $(npm --version), $(/usr/bin/chromium --version 2>/dev/null || echo chromium)"
promtool --version 2>&1 | head -1
/usr/sbin/nats-server --version

mvn -B verify
