# moto's server mode: a local S3-compatible endpoint (Apache-2.0) for testing Pulumi's S3 state
# backend, from PyPI into a virtual environment beside the wrapper. Needs python3 with venv.
TOOL_VERSION=5.2.5

build_tool() {
  local out="$1"
  mkdir -p "$out"
  python3 -m venv "$out/venv"
  "$out/venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-cache-dir \
    "moto[server]==${TOOL_VERSION}"
  # Run through the venv's interpreter rather than its console script: the script's shebang
  # names the build folder, which is renamed into the cache afterwards.
  cat >"$out/moto" <<'WRAPPER'
#!/usr/bin/env bash
here="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)"
exec "$here/venv/bin/python" -m moto.server "$@"
WRAPPER
  chmod +x "$out/moto"
}
