#!/usr/bin/env bash
# `npm audit --omit=dev`: fails CI on a high or critical advisory in what ships (issue 11).
# When the registry's audit service cannot be reached (this machine's registry mirror answers
# its POST with 405), there are no advisories to judge: say so loudly and go on, rather than
# failing every build on something the code cannot change.
set -uo pipefail
out=$(npm audit --omit=dev --audit-level=high 2>&1)
code=$?
if [ $code -eq 0 ]; then
  echo "ci: npm audit --omit=dev: no high or critical advisories"
  exit 0
fi
if grep -q "audit endpoint returned an error" <<<"$out"; then
  echo "ci: WARNING npm audit could not reach the registry's audit service; advisories NOT checked:"
  grep -E "npm (warn|error) audit" <<<"$out" | sed 's/^/ci:   /'
  exit 0
fi
echo "$out"
echo "ci: npm audit --omit=dev found high or critical advisories (above); fix or pin before merging"
exit 1
