# SPDX-License-Identifier: MIT
# Shared by scripts/po-update and tests/po/check-vi.sh: the one way the
# catalogue's messages are extracted from the sources. Source it from the
# repository root.

# po_extract OUT.pot: every marked message of common/, client/ and server/.
po_extract() {
    local args=() k
    while read -r k; do
        [[ "$k" =~ ^[A-Za-z_] ]] || continue
        args+=("--keyword=$k" "--flag=${k%%:*}:${k##*:}:c-format")
    done <po/KEYWORDS
    find common client server -name '*.c' | LC_ALL=C sort |
        xgettext --from-code=UTF-8 --language=C --no-location --sort-output \
            --package-name=tdkt --msgid-bugs-address=tdkt@localhost \
            --keyword --add-comments=TRANSLATORS: "${args[@]}" -f - -o "$1"
}
