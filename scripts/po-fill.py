#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Fill po/LANG.po from a Python file defining T = {msgid: msgstr}: each
# msgid of T that is in the .po gets that msgstr (fuzzy marks dropped);
# msgids not in the .po are reported. A translator's tool, run by hand after
# scripts/po-update:   scripts/po-fill.py po/vi.po TRANSLATIONS.py
import re
import sys


def c_unescape(s):
    return bytes(s, "utf-8").decode("unicode_escape").encode("latin-1").decode("utf-8")


def c_escape(s):
    return s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")


def main():
    po_path, tr_path = sys.argv[1], sys.argv[2]
    ns = {}
    exec(open(tr_path, encoding="utf-8").read(), ns)
    table = ns["T"]
    text = open(po_path, encoding="utf-8").read()
    entries = text.split("\n\n")
    used = set()
    out = []
    for e in entries:
        lines = e.split("\n")
        mid, i = None, 0
        for i, line in enumerate(lines):
            if line.startswith("msgid "):
                parts = [line[6:]]
                j = i + 1
                while j < len(lines) and lines[j].startswith('"'):
                    parts.append(lines[j])
                    j += 1
                mid = "".join(c_unescape(p.strip()[1:-1]) for p in parts)
                break
        if mid and mid in table:
            used.add(mid)
            keep = []
            for line in lines:
                if line.startswith("msgstr") or (keep and keep[-1].startswith("msgstr") and line.startswith('"')):
                    keep.append(line)  # dropped below
                    continue
                keep.append(line)
            head = [l for l in lines if not l.startswith("#,")]
            head = head[: next(k for k, l in enumerate(head) if l.startswith("msgstr"))]
            flags = [l for l in lines if l.startswith("#,")]
            flags = [re.sub(r",?\s*fuzzy", "", l) for l in flags]
            flags = [l for l in flags if l.strip() not in ("#,", "")]
            # A plural message: Vietnamese has one form (nplurals=1), msgstr[0].
            key = "msgstr[0]" if any(l.startswith("msgid_plural") for l in lines) else "msgstr"
            e = "\n".join(flags + head + [key + ' "' + c_escape(table[mid]) + '"'])
        out.append(e)
    open(po_path, "w", encoding="utf-8").write("\n\n".join(out))
    missing = [m for m in table if m not in used]
    for m in missing:
        print("po-fill: not in the catalogue:", m, file=sys.stderr)
    print(f"po-fill: {len(used)} translations set")


main()
