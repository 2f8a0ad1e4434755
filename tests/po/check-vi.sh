#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Fails when a message a person reads has no Vietnamese translation: every
# message marked in the sources (po/KEYWORDS) must be in po/vi.po,
# translated and not fuzzy, with the same printf conversions. Prints the
# messages that are missing. Run from the repository root (CTest does).
set -euo pipefail
source scripts/po-lib.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
po_extract "$tmp/tdkt.pot"
fail=0
if ! msgcmp po/vi.po "$tmp/tdkt.pot" 2>"$tmp/cmp"; then
    echo "po/vi.po lacks a Vietnamese translation of (run scripts/po-update, then translate):"
    grep -A1 'this message is used but not defined' "$tmp/cmp" | grep -v '^--$' | head -60
    fail=1
fi
msgattrib --only-fuzzy --no-obsolete po/vi.po -o "$tmp/fuzzy.po"
if [ -s "$tmp/fuzzy.po" ]; then
    echo "po/vi.po has fuzzy (unchecked) translations:"
    grep '^msgid' "$tmp/fuzzy.po" | head -20
    fail=1
fi
msgfmt --check --statistics -o /dev/null po/vi.po
n=$(grep -c '^msgid' "$tmp/tdkt.pot")
echo "check-vi: $((n - 1)) messages in the sources"
exit "$fail"
