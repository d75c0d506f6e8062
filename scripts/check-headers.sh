#!/bin/sh
# check-headers.sh: proves that the C headers in include/ match the API of
# Debian's libmemcached 1.1.4 headers (the reference), without copying them.
#
# What is checked (any mismatch makes the script exit non-zero):
#   1. ctests/header_check.c compiles (C99 -pedantic and C++11, -Werror)
#      and runs against our headers, and compiles in C against Debian's.
#   2. Our tree has the same *.h file names, and compiling with -I include
#      never falls through to a Debian header.
#   3. Every function Debian declares is declared by us with a compatible
#      type: Debian's exact prototype text (taken from its preprocessed
#      headers) is appended after #include of OUR headers, so any difference
#      is a "conflicting types" error. Same for every non-struct typedef.
#      Done in C and, inside extern "C", in C++ (where an enum is not int).
#      We must not declare functions Debian does not.
#   4. Every enum constant and every macro Debian's headers define exists
#      in ours with the same value (numbers by _Static_assert, strings by
#      strcmp at run time, function-like macros by presence).
#   5. Every named field of every public struct has Debian's offset and
#      size (memcached_st: only the fields we keep public), every struct has
#      Debian's size, and every bit-field sits on the same bit (run time).
#   6. memcached_success/failed/fatal/continue and hashkit_success/failed
#      agree with Debian's for every enum value (run time).
#   7. include/.exports-expected.txt lists exactly Debian's non-inline
#      functions (regenerate with: scripts/check-headers.sh --write-exports).
#   8. Self-test: a deliberately wrong prototype must be rejected.
#
# Environment: DEB_ROOT (default /usr/include) locates Debian's headers;
# KEEP_WORK=1 keeps the generated sources in the temporary directory.
# Needs gcc, g++ and python3. When Debian's headers are not installed only
# step 1 (our side) runs.
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OURS="$ROOT/include"
DEB_ROOT=${DEB_ROOT:-/usr/include}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/check-headers.XXXXXX")
trap 'rm -rf "$WORK"' EXIT INT TERM
[ -z "${KEEP_WORK:-}" ] || trap - EXIT

CFLAGS="-std=c99 -Wall -Wextra -Werror -pedantic"
CXXFLAGS="-x c++ -std=c++11 -Wall -Wextra -Werror -pedantic"

echo "== header_check.c against our headers (C and C++)"
gcc $CFLAGS -I "$OURS" "$ROOT/ctests/header_check.c" -o "$WORK/hc_c"
g++ $CXXFLAGS -I "$OURS" "$ROOT/ctests/header_check.c" -o "$WORK/hc_cxx"
"$WORK/hc_c"
"$WORK/hc_cxx"

if [ ! -d "$DEB_ROOT/libmemcached-1.0" ]; then
  echo "SKIP: $DEB_ROOT/libmemcached-1.0 is missing; comparison with Debian's headers not run"
  exit 0
fi

echo "== header_check.c against Debian's headers (C)"
gcc $CFLAGS -c -I "$DEB_ROOT" "$ROOT/ctests/header_check.c" -o "$WORK/hc_deb.o"

python3 - "$ROOT" "$OURS" "$DEB_ROOT" "$WORK" "$@" <<'PY'
"""Compares our headers with Debian's; see the comment of check-headers.sh."""
import os
import re
import subprocess
import sys

root, ours, deb, work = sys.argv[1:5]
write_exports = "--write-exports" in sys.argv[5:]
DIRS = ("libmemcached-1.0", "libhashkit-1.0", "libmemcachedutil-1.0", "libmemcached", "libhashkit")
UMBRELLA = (
    "#include <libmemcached/memcached.h>\n"
    "#include <libmemcached/util.h>\n"
    "#include <libhashkit-1.0/hashkit.h>\n"
    "#include <libhashkit-1.0/basic_string.h>\n"
)
failures = []


def fail(msg):
    failures.append(msg)
    print("MISMATCH: " + msg)


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def write(name, text):
    path = os.path.join(work, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def compile_ok(name, text, inc, lang="c", extra=()):
    src = write(name, text)
    if lang == "c":
        cmd = ["gcc", "-std=c11", "-Wall", "-Wextra", "-Werror", "-pedantic"]
    else:
        cmd = ["g++", "-x", "c++", "-std=c++11", "-Wall", "-Wextra", "-Werror"]
    cmd += ["-I", inc, "-c", src, "-o", os.devnull, *extra]
    r = run(cmd)
    return r.returncode == 0, r.stderr


def build_and_run(name, text, inc, libs=()):
    src = write(name, text)
    exe = src + ".bin"
    r = run(["gcc", "-std=c11", "-Wall", "-Werror", "-I", inc, src, "-o", exe, *libs])
    if r.returncode != 0:
        raise SystemExit(f"cannot build {name} against {inc}:\n{r.stderr}")
    r = run([exe], timeout=60)
    if r.returncode != 0:
        raise SystemExit(f"{name} failed against {inc}:\n{r.stdout}{r.stderr}")
    return r.stdout


# ---- 2. file names and no fall-through to Debian's tree -------------------------
def header_names(base):
    names = set()
    for d in DIRS:
        for dirpath, _, files in os.walk(os.path.join(base, d)):
            for f in files:
                if f.endswith(".h"):
                    names.add(os.path.relpath(os.path.join(dirpath, f), base))
    return names


print("== header file names")
deb_names, our_names = header_names(deb), header_names(ours)
for n in sorted(deb_names - our_names):
    fail(f"missing header {n}")
for n in sorted(our_names - deb_names):
    fail(f"extra header {n}")
umb = write("umbrella.c", UMBRELLA)
deps = run(["gcc", "-M", "-I", ours, umb]).stdout.replace("\\\n", " ").split()
for d in deps:
    if any(d.startswith(os.path.join(deb, x) + "/") for x in DIRS):
        fail(f"our headers pull in Debian's {d}")


# ---- parsing of preprocessed project text ---------------------------------------
def project_text(inc):
    """Preprocessed umbrella, keeping only text that came from project headers."""
    out = run(["gcc", "-std=c11", "-E", "-I", inc, umb])
    if out.returncode != 0:
        raise SystemExit(out.stderr)
    keep, chunks = False, []
    prefixes = tuple(os.path.join(inc, d) + "/" for d in DIRS)
    for line in out.stdout.splitlines():
        m = re.match(r'# \d+ "([^"]*)"', line)
        if m:
            keep = m.group(1).startswith(prefixes)
            continue
        if keep:
            chunks.append(line)
    return "\n".join(chunks)


def statements(text):
    """Top-level declarations/definitions, whitespace-normalised."""
    stmts, cur, depth = [], [], 0
    for ch in text:
        cur.append(ch)
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                s = "".join(cur)
                head = s[: s.index("{")].strip()
                if head.endswith(")") and not head.startswith(("typedef", "struct", "enum")):
                    stmts.append(" ".join(s.split()))  # function definition
                    cur = []
        elif ch == ";" and depth == 0:
            stmts.append(" ".join("".join(cur).split()))
            cur = []
    return [s for s in stmts if s]


def split_top(text, sep):
    parts, cur, depth = [], [], 0
    for ch in text:
        if ch in "({[":
            depth += 1
        elif ch in ")}]":
            depth -= 1
        if ch == sep and depth == 0:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    parts.append("".join(cur))
    return [p.strip() for p in parts if p.strip()]


def body(s):
    i = s.index("{")
    depth = 0
    for j in range(i, len(s)):
        depth += {"{": 1, "}": -1}.get(s[j], 0)
        if depth == 0:
            return s[i + 1 : j], s[j + 1 :]
    raise ValueError(s)


def analyse(inc):
    funcs, inline, typedef_decls, typedef_names, enum_consts, structs = {}, {}, [], [], [], {}
    for s in statements(project_text(inc)):
        if s.startswith("typedef"):
            if "{" in s:
                b, rest = body(s)
                if s.startswith("typedef enum"):
                    enum_consts += [re.match(r"\w+", e).group(0) for e in split_top(b, ",")]
                typedef_names.append(re.findall(r"\w+", rest)[-1])
            else:
                typedef_decls.append(s)
                fnptr = re.search(r"\(\s*\*\s*(\w+)\s*\)", s)
                typedef_names.append(fnptr.group(1) if fnptr else re.findall(r"\w+", s)[-1])
            continue
        m = re.match(r"(struct|enum)\s+(\w+)\s*\{", s)
        if m:
            b, _ = body(s)
            if m.group(1) == "enum":
                enum_consts += [re.match(r"\w+", e).group(0) for e in split_top(b, ",")]
            else:
                structs[m.group(2)] = b
            continue
        if "(" in s and not s.startswith(("struct", "enum")):
            name = re.search(r"(\w+)\s*\(", s).group(1)
            if "{" in s:  # static inline definition -> prototype
                inline[name] = s[: s.index("{")].strip() + ";"
            else:
                funcs[name] = s
    return funcs, inline, typedef_decls, typedef_names, enum_consts, structs


deb_funcs, deb_inline, deb_tdecls, deb_tnames, deb_enums, deb_structs = analyse(deb)
our_funcs, our_inline, _, our_tnames, our_enums, our_structs = analyse(ours)
print(f"== Debian declares {len(deb_funcs)} functions + {len(deb_inline)} static inline, "
      f"{len(deb_tnames)} typedefs, {len(deb_enums)} enum constants, {len(deb_structs)} structs")

# ---- 3. prototypes and typedefs ------------------------------------------------
for n in sorted(set(our_funcs) - set(deb_funcs)):
    fail(f"we declare {n}() which Debian does not")
for n in sorted(set(our_inline) - set(deb_inline)):
    fail(f"we define static inline {n}() which Debian does not")


for n in sorted(set(our_tnames) - set(deb_tnames)):
    fail(f"we define typedef {n} which Debian does not")
for n in sorted(set(our_structs) ^ set(deb_structs)):
    fail(f"struct {n} is defined by only one of the two header trees")


def decl_tu(cxx, protos, inlines, tdecls):
    uses = "".join(f"  (void) &{n};\n" for n in list(protos) + list(inlines))
    uses += "".join(f"  (void) sizeof({t} *);\n" for t in deb_tnames)
    # Debian's text was preprocessed as C, where <stdbool.h> turned bool into _Bool.
    text = ("#define _Bool bool\n" if cxx else "") + UMBRELLA
    text += "void hc_presence(void);\nvoid hc_presence(void) {\n" + uses + "}\n"
    text += "\n".join(tdecls) + "\n"
    text += "\n".join(inlines.values()) + "\n"
    text += ('extern "C" {\n' if cxx else "") + "\n".join(protos.values()) + ("\n}\n" if cxx else "\n")
    return text


print("== re-declaring Debian's prototypes after our headers (C, C++)")
ok, err = compile_ok("decl_c.c", decl_tu(False, deb_funcs, deb_inline, deb_tdecls), ours)
if not ok:
    fail("prototype/typedef check (C) failed:\n" + err)
ok, err = compile_ok("decl_cxx.cc", decl_tu(True, deb_funcs, deb_inline, deb_tdecls), ours, "c++")
if not ok:
    fail("prototype/typedef check (C++) failed:\n" + err)

# ---- 8. self-test: a wrong prototype must be rejected ----------------------------
bad = dict(deb_funcs)
bad["memcached_server_count"] = "int memcached_server_count(const memcached_st *);"
ok, _ = compile_ok("decl_bad.c", decl_tu(False, bad, {}, []), ours)
ok2, _ = compile_ok("decl_bad2.c", decl_tu(False, {"hc_no_such_fn": "void hc_no_such_fn(void);"}, {}, []), ours)
if ok or ok2:
    fail("self-test: the prototype check accepted a wrong or missing declaration")

# ---- 7. exports list -------------------------------------------------------------
exports = "".join(n + "\n" for n in sorted(deb_funcs))
exp_path = os.path.join(ours, ".exports-expected.txt")
if write_exports:
    with open(exp_path, "w") as f:
        f.write(exports)
    print(f"== wrote {exp_path} ({len(deb_funcs)} names)")
elif not os.path.exists(exp_path) or open(exp_path).read() != exports:
    fail(f"{exp_path} differs from Debian's declared functions (run with --write-exports)")

# ---- 4. enum constants and macros --------------------------------------------------
print("== enum constants and macros")
mac_deb = run(["gcc", "-std=c11", "-dM", "-E", "-I", deb, umb]).stdout
defined_in_project = set()
for d in DIRS:
    for dirpath, _, files in os.walk(os.path.join(deb, d)):
        for f in files:
            if f.endswith(".h"):
                with open(os.path.join(dirpath, f), errors="replace") as fh:
                    defined_in_project |= set(re.findall(r"^\s*#\s*define\s+(\w+)", fh.read(), re.M))
numeric, strings, present = [], [], []
probe = []
for line in mac_deb.splitlines():
    m = re.match(r"#define (\w+)(\(?)", line)
    if not m or m.group(1) not in defined_in_project:
        continue
    name = m.group(1)
    if m.group(2) or line.strip() == f"#define {name}":
        present.append(name)
    else:
        probe.append(name)
exp_src = UMBRELLA + "".join(f"HCX_{n} = {n}\n" for n in probe)
expanded = run(["gcc", "-std=c11", "-E", "-P", "-I", deb, write("mexp.c", exp_src)]).stdout
for n in probe:
    m = re.search(rf"^HCX_{n} = (.*)$", expanded, re.M)
    val = m.group(1).strip()
    if val.startswith('"'):
        strings.append((n, val))
    elif re.fullmatch(r"[\s0-9a-fA-FxXuUlL()*+\-/<>|&~]+", val):
        numeric.append((n, val))
    else:
        present.append(n)

enum_gen = '#include <stdio.h>\n' + UMBRELLA + "int main(void) {\n" + "".join(
    f'  printf("HC_EQ({e}, %lldLL);\\n", (long long) {e});\n' for e in deb_enums) + "  return 0;\n}\n"
enum_asserts = build_and_run("enum_gen.c", enum_gen, deb)

chk = UMBRELLA + "#include <stdio.h>\n#include <string.h>\n"
chk += '#define HC_EQ(a, b) _Static_assert((a) == (b), #a " == " #b)\n'
chk += "".join(f"#ifndef {n}\n#error macro {n} missing\n#endif\n" for n in present)
chk += "".join(f"#ifndef {n}\n#error macro {n} missing\n#endif\nHC_EQ({n}, ({v}));\n" for n, v in numeric)
chk += enum_asserts
chk += "int main(void) {\n  int bad = 0;\n"
for n, v in strings:
    chk += f'  if (strcmp({n}, {v}) != 0) {{ printf("string macro {n} differs\\n"); bad = 1; }}\n'
chk += "  return bad;\n}\n"
ok, err = compile_ok("macro_enum_check.c", chk, ours)
if not ok:
    fail("enum/macro check failed:\n" + err)
else:
    build_and_run("macro_enum_check.c", chk, ours)
print(f"   {len(deb_enums)} enum constants, {len(numeric)} numeric, {len(strings)} string, "
      f"{len(present)} presence-only macros")
extra_enums = sorted(set(our_enums) - set(deb_enums))
if extra_enums:
    fail("enum constants Debian lacks: " + ", ".join(extra_enums))

# ---- 5. struct layouts, including bit-field positions ------------------------------
print("== struct layouts")
# memcached_st keeps only these of Debian's fields public; the rest is private.
MEMCACHED_ST_PUBLIC = {"state", "flags", "distribution", "hashkit", "ketama", "options"}


def members(b, prefix):
    """(path, is_bitfield) of every named member, recursing into nested structs."""
    out = []
    for decl in split_top(b, ";"):
        if "{" in decl:
            inner, rest = body(decl)
            for name in split_top(rest, ","):
                path = prefix + re.findall(r"\w+", name)[0]
                out.append((path, False))
                out += members(inner, path + ".")
        elif ":" in decl:
            out.append((prefix + re.findall(r"(\w+)\s*:", decl)[0], True))
        else:
            for d in split_top(decl, ","):
                d = re.sub(r"\[.*?\]", "", d)
                out.append((prefix + re.findall(r"\w+", d)[-1], False))
    return out


layout = "#include <stdio.h>\n#include <stddef.h>\n#include <string.h>\n" + UMBRELLA
layout += "int main(void) {\n"
for tag, b in sorted(deb_structs.items()):
    t = f"struct {tag}"
    layout += f'  printf("sizeof {t} %zu\\n", sizeof({t}));\n'
    for path, is_bit in members(b, ""):
        if tag == "memcached_st" and path.split(".")[0] not in MEMCACHED_ST_PUBLIC:
            continue
        if is_bit:
            # Set one bit-field in zeroed storage and report which bit changed.
            layout += (f"  {{ static {t} v; unsigned char *p = (unsigned char *) &v; size_t i;\n"
                       f"    memset(&v, 0, sizeof v); v.{path} = 1;\n"
                       f"    for (i = 0; i < sizeof v; i++) if (p[i]) "
                       f'printf("bit {t}.{path} byte %zu mask %u\\n", i, p[i]); }}\n')
        else:
            layout += (f'  printf("field {t}.{path} offset %zu size %zu\\n", '
                       f"offsetof({t}, {path}), sizeof((({t} *) 0)->{path}));\n")
layout += "  return 0;\n}\n"
want = build_and_run("layout_deb.c", layout, deb).splitlines()
got = build_and_run("layout_ours.c", layout, ours).splitlines()
for a, b in zip(want, got):
    if a != b:
        fail(f"layout: Debian '{a}' vs ours '{b}'")
if len(want) != len(got):
    fail("layout dump lengths differ")
print(f"   {len(want)} layout facts compared")

# ---- 6. inline helpers ---------------------------------------------------------------
print("== inline helper semantics")
helpers = '#include <stdio.h>\n' + UMBRELLA + "int main(void) {\n  int i;\n"
helpers += ("  for (i = 0; i <= MEMCACHED_MAXIMUM_RETURN; i++) {\n"
            "    memcached_return_t rc = (memcached_return_t) i;\n"
            '    printf("%d %d %d %d %d\\n", i, memcached_success(rc), memcached_failed(rc), '
            "memcached_fatal(rc), memcached_continue(rc));\n  }\n"
            "  for (i = 0; i <= HASHKIT_MAXIMUM_RETURN; i++)\n"
            '    printf("hk %d %d %d\\n", i, hashkit_success((hashkit_return_t) i), '
            "hashkit_failed((hashkit_return_t) i));\n  return 0;\n}\n")
if build_and_run("helpers_deb.c", helpers, deb) != build_and_run("helpers_ours.c", helpers, ours):
    fail("memcached_success/failed/fatal/continue or hashkit_success/failed differ from Debian's")

if failures:
    print(f"FAILED: {len(failures)} mismatch(es)")
    sys.exit(1)
print(f"OK: {len(deb_funcs)} functions, {len(deb_inline)} inline helpers, {len(deb_enums)} enum "
      f"constants, {len(numeric) + len(strings) + len(present)} macros match Debian's headers")
PY
