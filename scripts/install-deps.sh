#!/bin/sh
# Install arenabot into a virtual environment from the hash-pinned lock file.
# The Dockerfile runs exactly this; CI runs it too in a fresh venv, so the image recipe is
# exercised even on machines without a container engine.
set -eu
venv=${1:?usage: scripts/install-deps.sh VENV_DIR}
cd "$(dirname "$0")/.."
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --no-cache-dir --require-hashes -r requirements.lock
"$venv/bin/python" -m pip install --quiet --no-cache-dir --no-deps .
# The lock must cover every dependency pyproject.toml declares: fail here, not at run time.
"$venv/bin/python" -m pip check
