# SPDX-License-Identifier: MIT
# Shared by scripts/po-update and tests/po/check-vi.sh: the one way the
# catalogue's messages are extracted from the sources. Source it from the
# repository root.

# po_extract OUT.pot: every marked message of common/, client/ and server/
# (their .c files, and the error table of common/err.h).
po_extract() {
    local args=() k nums n
    while read -r k; do
        [[ "$k" =~ ^[A-Za-z_] ]] || continue
        args+=("--keyword=$k")
        nums=${k##*:}
        for n in ${nums//,/ }; do # "_n:1,2": both arguments are templates
            args+=("--flag=${k%%:*}:$n:c-format")
        done
    done <po/KEYWORDS
    # common/err.h: the error table's texts, X(NAME, value, "text", ...).
    { find common client server -name '*.c'; echo common/err.h; } | LC_ALL=C sort |
        xgettext --from-code=UTF-8 --language=C --no-location --sort-output \
            --package-name=tdkt --msgid-bugs-address=tdkt@localhost \
            --keyword --add-comments=TRANSLATORS: "${args[@]}" -f - -o "$1"
}
