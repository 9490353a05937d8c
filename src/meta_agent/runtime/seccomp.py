"""A seccomp deny-list: the system calls a data script never needs and escapes are made of.

Namespaces decide what a sandbox can *see*; this filter narrows what it can *ask the kernel*:
no ptrace (of its own init either), no mounting, no new namespaces, no keyrings, no BPF or
perf, no io_uring, no kernel modules, no file handles by number (the classic container escape).
``clone3`` answers ENOSYS so the C library falls back to ``clone``, whose flags the
namespaces already constrain. x86_64 only: elsewhere no filter is installed and the caller warns.
The program is classic BPF, assembled here so no libseccomp is needed.
"""

from __future__ import annotations

import errno
import os
import struct

AUDIT_ARCH_X86_64 = 0xC000003E
X32_SYSCALL_BIT = 0x40000000
# x86_64 numbers, from the kernel's syscall_64.tbl.
DENIED_SYSCALLS: dict[str, int] = {
    "ptrace": 101,
    "process_vm_readv": 310,
    "process_vm_writev": 311,
    "mount": 165,
    "umount2": 166,
    "pivot_root": 155,
    "chroot": 161,
    "unshare": 272,
    "setns": 308,
    "add_key": 248,
    "request_key": 249,
    "keyctl": 250,
    "bpf": 321,
    "perf_event_open": 298,
    "userfaultfd": 323,
    "kexec_load": 246,
    "kexec_file_load": 320,
    "init_module": 175,
    "finit_module": 313,
    "delete_module": 176,
    "reboot": 169,
    "swapon": 167,
    "swapoff": 168,
    "acct": 163,
    "settimeofday": 164,
    "clock_settime": 227,
    "iopl": 172,
    "ioperm": 173,
    "name_to_handle_at": 303,
    "open_by_handle_at": 304,
    "io_uring_setup": 425,
    "io_uring_enter": 426,
    "io_uring_register": 427,
    "open_tree": 428,
    "move_mount": 429,
    "fsopen": 430,
    "fsconfig": 431,
    "fsmount": 432,
    "fspick": 433,
    "mount_setattr": 442,
}
ENOSYS_SYSCALLS = {"clone3": 435}

# Classic BPF opcodes and seccomp return values.
LD_W_ABS = 0x20
JEQ_K = 0x15
JGE_K = 0x35
RET_K = 0x06
RET_KILL_PROCESS = 0x80000000
RET_ERRNO = 0x00050000
RET_ALLOW = 0x7FFF0000


def _insn(code: int, jt: int, jf: int, k: int) -> bytes:
    return struct.pack("=HBBI", code, jt, jf, k)


def supported() -> bool:
    return os.uname().machine == "x86_64"  # what platform.machine() says, without importing it


def program() -> bytes:
    """The filter as raw ``struct sock_filter`` records (what ``bwrap --seccomp FD`` reads)."""
    insns = [
        _insn(LD_W_ABS, 0, 0, 4),  # seccomp_data.arch
        _insn(JEQ_K, 1, 0, AUDIT_ARCH_X86_64),
        _insn(RET_K, 0, 0, RET_KILL_PROCESS),
        _insn(LD_W_ABS, 0, 0, 0),  # seccomp_data.nr
        _insn(JGE_K, 0, 1, X32_SYSCALL_BIT),  # the x32 ABI: a second table of numbers
        _insn(RET_K, 0, 0, RET_ERRNO | errno.EPERM),
    ]
    for number in DENIED_SYSCALLS.values():
        insns += [_insn(JEQ_K, 0, 1, number), _insn(RET_K, 0, 0, RET_ERRNO | errno.EPERM)]
    for number in ENOSYS_SYSCALLS.values():
        insns += [_insn(JEQ_K, 0, 1, number), _insn(RET_K, 0, 0, RET_ERRNO | errno.ENOSYS)]
    insns.append(_insn(RET_K, 0, 0, RET_ALLOW))
    return b"".join(insns)


PR_SET_NO_NEW_PRIVS = 38
PR_SET_SECCOMP = 22
SECCOMP_MODE_FILTER = 2


class Installer:
    """Installs the filter on the calling process; built before fork, called in the child.

    ctypes is imported here, not with the module: a sandbox that bwrap filters (``--seccomp``,
    fed by ``program``) needs none of it, and it costs ~1 ms of every ``exec``.
    """

    def __init__(self) -> None:
        import ctypes

        class SockFprog(ctypes.Structure):
            _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

        code = program()
        self._buffer = ctypes.create_string_buffer(code, len(code))
        self._fprog = SockFprog(len(code) // 8, ctypes.cast(self._buffer, ctypes.c_void_p))
        self._filter = ctypes.byref(self._fprog)
        self._libc = ctypes.CDLL(None, use_errno=True)
        self._get_errno = ctypes.get_errno

    def __call__(self) -> None:
        if self._libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
            raise OSError(self._get_errno(), "prctl(PR_SET_NO_NEW_PRIVS) failed")
        if self._libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, self._filter, 0, 0):
            raise OSError(self._get_errno(), "prctl(PR_SET_SECCOMP) failed")
