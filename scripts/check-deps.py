#!/usr/bin/env python3
"""Checks that every project #include is allowed by the including module's declared dependencies.

The modules are the CMake targets declared under src/ with sluice_library (SRCS, DEPS = public,
PRIVATE_DEPS), sluice_interface (HEADERS, DEPS) and sluice_test (SRCS, DEPS), plus executables
linked with target_link_libraries. A header belongs to the target that compiles its .cc, or that
lists it in HEADERS, or else to the first library declared in its folder's CMakeLists.txt.

Rules:
  - a library's header may include headers of the library itself and of its DEPS (public);
  - a library's .cc may also include headers of its PRIVATE_DEPS;
  - a test or executable may include headers of its own sources, of its DEPS and of everything
    those export publicly (transitively): a test sees what linking its DEPS gives it;
  - a DEPS entry that no header of the library needs should be PRIVATE_DEPS (reported with
    --strict-public, which `make lint` uses).

Usage: scripts/check-deps.py [--root DIR] [--strict-public]. Exit status 1 on any violation.
"""
import argparse
import os
import re
import sys

CALL_RE = re.compile(r"\b(sluice_library|sluice_interface|sluice_test|sluice_fuzzer|add_executable|"
                     r"target_link_libraries)\s*\(([^)]*)\)", re.S)
INCLUDE_RE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
KEYWORDS = {"SRCS", "DEPS", "PRIVATE_DEPS", "HEADERS", "PUBLIC", "PRIVATE", "INTERFACE"}


class Target:
    def __init__(self, name, kind, folder):
        self.name, self.kind, self.folder = name, kind, folder
        self.srcs, self.headers = [], []
        self.deps, self.private_deps = [], []

    def is_library(self):
        return self.kind in ("library", "interface")


def parse_args_list(text):
    words = [w for w in re.sub(r"#[^\n]*", "", text).split()]
    out, key = {}, None
    for w in words[1:]:
        if w in KEYWORDS:
            key = w
            out.setdefault(key, [])
        elif key is not None:
            out[key].append(w)
        else:
            out.setdefault("", []).append(w)
    return words[0], out


def load_targets(root):
    targets = {}
    src = os.path.join(root, "src")
    for folder, _, files in os.walk(src):
        if "CMakeLists.txt" not in files:
            continue
        text = open(os.path.join(folder, "CMakeLists.txt")).read()
        rel = os.path.relpath(folder, src)
        for m in CALL_RE.finditer(text):
            fn, body = m.group(1), m.group(2)
            name, args = parse_args_list(body)
            if fn == "target_link_libraries":
                t = targets.get(name)
                if t is not None:
                    for k in ("", "PUBLIC", "PRIVATE", "INTERFACE"):
                        t.deps += args.get(k, [])
                continue
            kind = {"sluice_library": "library", "sluice_interface": "interface", "sluice_test": "test",
                    "sluice_fuzzer": "exe", "add_executable": "exe"}[fn]
            t = Target(name, kind, rel)
            if fn == "add_executable":
                t.srcs = [s for s in args.get("", []) if s.endswith(".cc")]
            else:
                t.srcs = args.get("SRCS", [])
            t.headers = args.get("HEADERS", [])
            t.deps = args.get("DEPS", [])
            t.private_deps = args.get("PRIVATE_DEPS", [])
            targets[name] = t
    return targets


def normalise(rel_folder, path):
    return os.path.normpath(os.path.join(rel_folder, path))


def header_owners(root, targets):
    """Maps 'module/file.h' (relative to src/) to the owning target name."""
    owners = {}
    primary = {}
    for t in targets.values():
        if t.kind == "library" and t.folder not in primary:
            primary[t.folder] = t.name
    for t in targets.values():
        for s in t.srcs:
            h = os.path.splitext(normalise(t.folder, s))[0] + ".h"
            owners.setdefault(h, t.name)
        for h in t.headers:
            owners[normalise(t.folder, h)] = t.name
    src = os.path.join(root, "src")
    for folder, _, files in os.walk(src):
        for f in files:
            if not f.endswith(".h"):
                continue
            rel = os.path.relpath(os.path.join(folder, f), src)
            if rel in owners:
                continue
            d = os.path.dirname(rel)
            while d and d not in primary:
                d = os.path.dirname(d)
            if d in primary:
                owners[rel] = primary[d]
    return owners


def public_closure(targets, names):
    seen, stack = set(), list(names)
    while stack:
        n = stack.pop()
        if n in seen:
            continue
        seen.add(n)
        t = targets.get(n)
        if t is not None:
            stack += t.deps
    return seen


def includes_of(path):
    try:
        return INCLUDE_RE.findall(open(path, encoding="utf-8", errors="replace").read())
    except FileNotFoundError:
        return []


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--root", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    ap.add_argument("--strict-public", action="store_true",
                    help="also report DEPS that only .cc files need (they should be PRIVATE_DEPS)")
    opts = ap.parse_args()
    root = os.path.abspath(opts.root)
    src = os.path.join(root, "src")
    targets = load_targets(root)
    owners = header_owners(root, targets)
    problems = []
    needed_public = {n: set() for n in targets}

    def check(file_rel, owner, allowed, is_header):
        for inc in includes_of(os.path.join(src, file_rel)):
            if not os.path.exists(os.path.join(src, inc)):
                continue  # a system or third-party header, or one relative to another root
            dep = owners.get(inc)
            if dep is None:
                problems.append(f"src/{file_rel}: includes {inc}, which belongs to no module")
                continue
            if dep == owner:
                continue
            if is_header and targets[owner].is_library():
                needed_public[owner].add(dep)
            if dep not in allowed:
                problems.append(f"src/{file_rel} ({owner}): includes {inc} from {dep}, "
                                f"which {owner} does not declare" +
                                (" in DEPS (a header needs a public dependency)"
                                 if is_header and targets[owner].is_library() and dep in targets[owner].private_deps
                                 else ""))

    for name, t in targets.items():
        if t.is_library():
            header_allowed = set(t.deps)
            cc_allowed = set(t.deps) | set(t.private_deps)
        else:
            header_allowed = cc_allowed = public_closure(targets, t.deps)
        own_headers = [h for h, o in owners.items() if o == name]
        for h in own_headers:
            check(h, name, header_allowed, True)
        for s in t.srcs:
            check(normalise(t.folder, s), name, cc_allowed, False)

    if opts.strict_public:
        for name, t in targets.items():
            if t.kind != "library":
                continue
            for d in t.deps:
                if d in targets and d not in needed_public[name]:
                    problems.append(f"{name}: DEPS {d} is used only by .cc files: make it PRIVATE_DEPS")

    for p in problems:
        print(p, flush=True)
    if problems:
        print(f"check-deps: {len(problems)} problem(s)", file=sys.stderr)
        return 1
    print(f"check-deps: {len(targets)} targets, every project #include is declared")
    return 0


if __name__ == "__main__":
    sys.exit(main())
