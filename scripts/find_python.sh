#!/usr/bin/env bash
# Print the path of a Python 3.10 interpreter (Rasa 3.6 runs on 3.8-3.10 only): PATH first,
# then pyenv. Stops with a clear message when there is none.
set -euo pipefail
is_310() { "$1" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' 2>/dev/null; }
for candidate in python3.10 python3 python; do
  path=$(command -v "$candidate" 2>/dev/null) || continue
  if is_310 "$path"; then echo "$path"; exit 0; fi
done
if command -v pyenv >/dev/null 2>&1; then
  for version in $(pyenv versions --bare 2>/dev/null | grep -E '^3\.10(\.|$)' | sort -rV); do
    path="$(pyenv prefix "$version")/bin/python3"
    if is_310 "$path"; then echo "$path"; exit 0; fi
  done
fi
echo "error: Python 3.10 is required (Rasa 3.6 does not run on newer versions)." >&2
echo "Install it, e.g. 'pyenv install 3.10.13', or put python3.10 on PATH." >&2
exit 1
