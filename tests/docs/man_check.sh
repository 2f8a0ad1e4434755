#!/bin/sh
# SPDX-License-Identifier: MIT
#
# The man pages render without a warning, and cannot silently fall behind the
# code: every command of tdkt's tables (client/cli/main.c: command_help[] and
# commands[]) has an entry in tdkt.1, every option of its longopts[] appears
# there, and every command and option of tdktd (server/admin/tdktd.c:
# admin_commands[], server/admin/opts.c: opt_defs[]) appears in tdktd.8.
#
#   tests/docs/man_check.sh SOURCE_DIR [TDKT_PAGE TDKTD_PAGE]
#
# Without pages it checks SOURCE_DIR/docs/man/tdkt.1 and tdktd.8; scripts/
# check-package passes the installed (gzipped) ones. The lint runs groff
# (-ww: every warning) and mandoc (-Tlint, warnings and errors; its STYLE
# notes, such as lines over 80 bytes, which Vietnamese text reaches at about
# 55 letters, are not failures) with each one that is installed. Exit 0 when
# all holds, 1 on the first kind of failure (all its instances listed), 77
# (CTest: skipped) when the tables match the pages but no linter is installed.
set -eu

src=${1:?usage: man_check.sh SOURCE_DIR [TDKT_PAGE TDKTD_PAGE]}
page1=${2:-$src/docs/man/tdkt.1}
page8=${3:-$src/docs/man/tdktd.8}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=0

# A page as plain roff: installed pages are gzipped.
plain() {
    case $1 in
    *.gz) gzip -dc "$1" >"$work/$2" ;;
    *) cp "$1" "$work/$2" ;;
    esac
}
plain "$page1" tdkt.1
plain "$page8" tdktd.8

# --- lint ---------------------------------------------------------------------
linted=0
for p in tdkt.1 tdktd.8; do
    if command -v groff >/dev/null 2>&1; then
        linted=1
        # -k: the pages are UTF-8 (preconv); -z: no output, only diagnostics.
        if ! out=$(groff -k -ww -z -man -Tutf8 "$work/$p" 2>&1) || [ -n "$out" ]; then
            echo "man_check: groff warns on $p:" >&2
            echo "$out" >&2
            failed=1
        fi
    fi
    if command -v mandoc >/dev/null 2>&1; then
        linted=1
        if ! out=$(mandoc -Tlint -W warning "$work/$p" 2>&1) || [ -n "$out" ]; then
            echo "man_check: mandoc -Tlint warns on $p:" >&2
            echo "$out" >&2
            failed=1
        fi
    fi
done

# --- the pages against the code's tables ----------------------------------------

# The first string of every {"...", entry between the line that opens table
# NAME in FILE and the "};" that closes it, one a line; with "pair", a second
# string too ({"ca", "init", ...} gives "ca init"; NULL gives "init"). Fails
# when the table is not found or is empty, so that renaming a table breaks
# this test instead of emptying it.
table_names() {
    names=$(awk -v t="$2" -v pair="${3:-}" '
        index($0, t "[] = {") { on = 1; next }
        on && /^};/ { exit }
        on {
            s = $0
            while (match(s, /\{"[^"]*",/)) {
                name = substr(s, RSTART + 2, RLENGTH - 4)
                s = substr(s, RSTART + RLENGTH)
                if (pair && match(s, /^ *"[^"]*"/)) {
                    w = substr(s, RSTART, RLENGTH)
                    gsub(/[ "]/, "", w)
                    name = name " " w
                }
                print name
            }
        }' "$1")
    if [ -z "$names" ]; then
        echo "man_check: no entries found in $2[] of $1; update tests/docs/man_check.sh" >&2
        exit 1
    fi
    printf '%s\n' "$names"
}

# A command has an entry: a tag line that starts with it in bold, as
# "\fBreview list\fR ..." or ".B status".
need_command() {
    if ! grep -Eq "^(\\\\fB|\\.B[IR]? +\"?)$2([ \"\\\\]|$)" "$work/$1"; then
        echo "man_check: $1 has no entry for the command '$2'" >&2
        failed=1
    fi
}

# An option appears as \-\-NAME (roff's minus signs), not as a prefix of a
# longer one.
need_option() {
    esc=$(printf '%s' "$2" | sed 's/-/\\\\-/g')
    if ! grep -Eq "\\\\-\\\\-$esc([^a-z_\\\\]|\\\\[^-]|$)" "$work/$1"; then
        echo "man_check: $1 does not mention the option --$2" >&2
        failed=1
    fi
}

cli=$src/client/cli/main.c
{ table_names "$cli" command_help && table_names "$cli" commands; } >"$work/tdkt_commands"
table_names "$cli" longopts >"$work/tdkt_options"
table_names "$src/server/admin/tdktd.c" admin_commands pair >"$work/tdktd_commands"
# --version is read before the table (tdktd.c), not from opt_defs.
{ table_names "$src/server/admin/opts.c" opt_defs && echo version; } >"$work/tdktd_options"

while IFS= read -r c; do need_command tdkt.1 "$c"; done <"$work/tdkt_commands"
while IFS= read -r o; do need_option tdkt.1 "$o"; done <"$work/tdkt_options"
while IFS= read -r c; do need_command tdktd.8 "$c"; done <"$work/tdktd_commands"
while IFS= read -r o; do need_option tdktd.8 "$o"; done <"$work/tdktd_options"

[ "$failed" -eq 0 ] || exit 1
if [ "$linted" -eq 0 ]; then
    echo "man_check: the pages match the code's tables, but neither groff nor mandoc is" \
        "installed to lint them (Debian: groff-base, mandoc)" >&2
    exit 77
fi
echo "man_check: tdkt.1 and tdktd.8 lint clean and cover every command and option"
