#!/usr/bin/env bash
# Every check of the project, in stages, each timed (`make test` runs this after installing).
#   lint   ruff on code/ and tests/
#   unit   the unit and convention tests (tests/, without the site check)
#   nbval  every notebook of _toc.yml re-run on CPU and compared with its stored outputs
#   book   the site built with warnings as errors
#   site   every built page opened in headless Chromium (installed here when missing)
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
# (no MPLBACKEND here: the notebooks need the inline backend, and tests/conftest.py sets Agg for the unit tests)
export GENLAB_OFFLINE=1 PYTHONHASHSEED=0
declare -a SUMMARY=()
START_ALL=$(date +%s)

stage() {
  local name=$1; shift
  local start; start=$(date +%s)
  echo "=== stage $name: $*"
  "$@"
  local took=$(( $(date +%s) - start ))
  SUMMARY+=("$(printf '%-6s %5d s' "$name" "$took")")
  echo "=== stage $name passed in ${took} s"
}

ensure_chromium() {
  if command -v chromium >/dev/null 2>&1; then return; fi
  echo "installing Chromium (Debian package) for the site check"
  local sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
}

mapfile -t NOTEBOOKS < <("$VENV/bin/python" tests/book_toc.py)

stage lint "$VENV/bin/ruff" check code tests
stage unit "$VENV/bin/pytest" -q tests --ignore=tests/site
stage nbval "$VENV/bin/pytest" -q -p no:cacheprovider --nbval --nbval-current-env --ignore=_build "${NOTEBOOKS[@]}"
rm -rf _build/html _build/.doctrees
stage book "$VENV/bin/jupyter-book" build . -W -n --keep-going
stage chromium ensure_chromium
stage site "$VENV/bin/pytest" -q tests/site

echo
echo "All stages passed in $(( $(date +%s) - START_ALL )) s:"
printf '  %s\n' "${SUMMARY[@]}"
