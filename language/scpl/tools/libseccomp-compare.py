#!/usr/bin/env python3
"""Builds libseccomp's seccomp filter for a rule list, for the side-by-side comparison with SCPL.

Usage: libseccomp-compare.py RULES.json OUT.bpf

RULES.json is the rule part of a Docker/OCI seccomp profile: "defaultAction", optional "defaultErrnoRet", and
"syscalls" entries with "names", "action", optional "errnoRet" and "args" ({"index", "value", "valueTwo", "op"}).
includes/excludes are not read (the list must already be for one capability set). The filter targets the native
arch only, with libseccomp's binary-tree optimisation (SCMP_FLTATR_CTL_OPTIMIZE = 2, libseccomp >= 2.5). Entries are
added as runc adds them: one rule per name with its args AND-ed, or one rule per condition when an argument index
repeats (libseccomp refuses two comparisons of one argument in a rule).

OUT.bpf receives the raw filter (struct sock_filter records in native byte order, as seccomp_export_bpf writes it).
stdout gets one JSON line: {"libseccomp": "2.5.4", "instructions": N, "rules": R, "unknown": [names skipped]}.
A name libseccomp cannot resolve on the native arch is skipped, as runc does.
Needs Debian's python3-seccomp (apt-get install python3-seccomp).
"""
import ctypes
import json
import sys

import seccomp

EPERM = 1  # the runtime spec's default errno for SCMP_ACT_ERRNO and SCMP_ACT_TRACE

OPS = {
    "SCMP_CMP_NE": seccomp.NE,
    "SCMP_CMP_LT": seccomp.LT,
    "SCMP_CMP_LE": seccomp.LE,
    "SCMP_CMP_EQ": seccomp.EQ,
    "SCMP_CMP_GE": seccomp.GE,
    "SCMP_CMP_GT": seccomp.GT,
    "SCMP_CMP_MASKED_EQ": seccomp.MASKED_EQ,
}


def action(name, errno):
    errno = EPERM if errno is None else errno
    table = {
        "SCMP_ACT_ALLOW": lambda: seccomp.ALLOW,
        "SCMP_ACT_KILL": lambda: seccomp.KILL,
        "SCMP_ACT_KILL_THREAD": lambda: seccomp.KILL,
        "SCMP_ACT_KILL_PROCESS": lambda: seccomp.KILL_PROCESS,
        "SCMP_ACT_TRAP": lambda: seccomp.TRAP,
        "SCMP_ACT_ERRNO": lambda: seccomp.ERRNO(errno),
        "SCMP_ACT_TRACE": lambda: seccomp.TRACE(errno),
        "SCMP_ACT_LOG": lambda: seccomp.LOG,
        "SCMP_ACT_NOTIFY": lambda: seccomp.NOTIFY,
    }
    if name not in table:
        sys.exit("unknown action " + name)
    return table[name]()


def arg(a):
    if a["op"] == "SCMP_CMP_MASKED_EQ":
        # libseccomp's MASKED_EQ is (arg & datum_a) == datum_b, as the OCI value/valueTwo
        return seccomp.Arg(a["index"], seccomp.MASKED_EQ, a["value"], a.get("valueTwo", 0))
    return seccomp.Arg(a["index"], OPS[a["op"]], a["value"])


def libseccomp_version():
    class Version(ctypes.Structure):
        _fields_ = [("major", ctypes.c_uint), ("minor", ctypes.c_uint), ("micro", ctypes.c_uint)]

    lib = ctypes.CDLL("libseccomp.so.2")
    lib.seccomp_version.restype = ctypes.POINTER(Version)
    v = lib.seccomp_version().contents
    return "%d.%d.%d" % (v.major, v.minor, v.micro)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    with open(sys.argv[1]) as f:
        rules = json.load(f)
    f = seccomp.SyscallFilter(action(rules["defaultAction"], rules.get("defaultErrnoRet")))
    f.set_attr(seccomp.Attr.CTL_OPTIMIZE, 2)
    count = 0
    unknown = []
    for entry in rules.get("syscalls", []):
        act = action(entry["action"], entry.get("errnoRet"))
        args = [arg(a) for a in entry.get("args", [])]
        indices = [a["index"] for a in entry.get("args", [])]
        groups = [[a] for a in args] if len(set(indices)) < len(indices) else [args]
        for name in entry["names"]:
            try:
                nr = seccomp.resolve_syscall(seccomp.Arch.NATIVE, name)
            except ValueError:
                nr = -1
            if nr < 0:  # unknown, or a pseudo-syscall: the arch has no such call; runc adds nothing for it
                unknown.append(name)
                continue
            for group in groups:
                f.add_rule(act, name, *group)
                count += 1
    with open(sys.argv[2], "wb") as out:
        f.export_bpf(out)
    with open(sys.argv[2], "rb") as done:
        size = len(done.read())
    print(json.dumps({"libseccomp": libseccomp_version(), "instructions": size // 8, "rules": count, "unknown": unknown}))


if __name__ == "__main__":
    main()
