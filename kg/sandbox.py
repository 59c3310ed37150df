"""Deny the network to the process that evaluates queries.

kg.guard refuses SERVICE, LOAD and remote FROM before a query runs, by reading the query
the way Oxigraph does. That is one line of defence, and it rests on two readers agreeing.
The second does not: where queries are evaluated (the `kg serve` workers, and `kg query`
once its store is loaded), a seccomp filter makes every attempt to open a network socket
fail with EACCES, whatever the query says. Local (AF_UNIX) sockets stay allowed: a worker
talks to the server over one.

Linux only (seccomp, through libseccomp, which every Debian-like system has). Elsewhere, or where libseccomp is
missing, ``deny_network`` returns False and says why; the guard is then the only line.
"""

from __future__ import annotations

import ctypes
import errno
import sys

_DENIED: bool | None = None
REASON = ""

# socket.AF_UNIX on Linux, the one system this filter runs on (importing socket for it was
# ~4 ms of a cold `kg query`).
_AF_UNIX = 1
# libseccomp's ABI (seccomp.h): actions, the filter attribute, the comparison operator.
_ACT_ALLOW = 0x7FFF0000
_ACT_ERRNO = 0x00050000
_ATTR_CTL_TSYNC = 4
_CMP_NE = 1


class _ArgCmp(ctypes.Structure):
    _fields_ = [
        ("arg", ctypes.c_uint),
        ("op", ctypes.c_int),
        ("datum_a", ctypes.c_uint64),
        ("datum_b", ctypes.c_uint64),
    ]


def _libseccomp():
    """libseccomp, opened by its soname (no library search: ctypes.util would run ldconfig)."""
    lib = ctypes.CDLL("libseccomp.so.2", use_errno=True)
    lib.seccomp_init.argtypes = (ctypes.c_uint32,)
    lib.seccomp_init.restype = ctypes.c_void_p
    lib.seccomp_attr_set.argtypes = (ctypes.c_void_p, ctypes.c_int, ctypes.c_uint32)
    lib.seccomp_syscall_resolve_name.argtypes = (ctypes.c_char_p,)
    lib.seccomp_rule_add_array.argtypes = (
        ctypes.c_void_p, ctypes.c_uint32, ctypes.c_int, ctypes.c_uint, ctypes.c_void_p,
    )  # fmt: skip
    lib.seccomp_load.argtypes = (ctypes.c_void_p,)
    lib.seccomp_release.argtypes = (ctypes.c_void_p,)
    return lib


def deny_network() -> bool:
    """Forbid this process, all its threads, and what it starts to open non-local sockets.

    Returns True once the filter is in place (a second call is free); False where it cannot
    be, with the reason in ``REASON``.
    """
    global _DENIED, REASON
    if _DENIED is not None:
        return _DENIED
    _DENIED, REASON = False, ""
    if not sys.platform.startswith("linux"):
        REASON = f"no seccomp on {sys.platform}"
        return False
    try:
        lib = _libseccomp()
    except OSError as e:
        REASON = f"libseccomp unavailable: {e}"
        return False
    ctx = lib.seccomp_init(_ACT_ALLOW)
    if not ctx:
        REASON = "seccomp_init failed"
        return False
    try:
        deny = _ACT_ERRNO | errno.EACCES
        not_local = _ArgCmp(0, _CMP_NE, _AF_UNIX, 0)
        steps = [lib.seccomp_attr_set(ctx, _ATTR_CTL_TSYNC, 1)]  # every thread, pyoxigraph's too
        for name, args in ((b"socket", not_local), (b"socketpair", not_local), (b"io_uring_setup", None)):
            nr = lib.seccomp_syscall_resolve_name(name)
            if nr < 0:  # a syscall this architecture lacks cannot be used either
                continue
            steps.append(
                lib.seccomp_rule_add_array(ctx, deny, nr, 1 if args else 0, ctypes.byref(args) if args else None)
            )
        steps.append(lib.seccomp_load(ctx))
    finally:
        lib.seccomp_release(ctx)
    failed = [rc for rc in steps if rc != 0]
    if failed:
        REASON = f"seccomp filter not loaded ({failed[0]})"
        return False
    _DENIED = True
    return True
