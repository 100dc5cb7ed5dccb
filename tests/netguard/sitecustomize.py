"""A network guard for the workflow tests: on PYTHONPATH, every Python process of a run (Snakemake,
the fork server, each job) refuses DNS lookups and IP connections, and appends each attempt, with
the process's command line, to $BOOM_NETGUARD_LOG. An offline run must leave that file absent.
Unix sockets (the fork server's) are not network and pass."""

import errno
import os
import socket
import sys

_LOG = os.environ.get("BOOM_NETGUARD_LOG")


def _record(what):
    if _LOG:
        with open(_LOG, "a") as fh:
            fh.write(f"{os.getpid()} {' '.join(sys.argv[:3])}: {what}\n")


if _LOG:
    _connect, _connect_ex, _getaddrinfo = socket.socket.connect, socket.socket.connect_ex, socket.getaddrinfo

    def connect(self, address):
        if self.family in (socket.AF_INET, socket.AF_INET6):
            _record(f"connect {address!r}")
            raise OSError(errno.ENETUNREACH, f"network attempt to {address!r} blocked by the test's guard")
        return _connect(self, address)

    def connect_ex(self, address):
        if self.family in (socket.AF_INET, socket.AF_INET6):
            _record(f"connect_ex {address!r}")
            return errno.ENETUNREACH
        return _connect_ex(self, address)

    def getaddrinfo(host, *args, **kwargs):
        _record(f"getaddrinfo {host!r}")
        raise socket.gaierror(socket.EAI_NONAME, f"DNS lookup of {host!r} blocked by the test's guard")

    socket.socket.connect, socket.socket.connect_ex, socket.getaddrinfo = connect, connect_ex, getaddrinfo
