"""A fork server: the workflow's jobs start in a process that has torch, sentence-transformers
and mteb imported already.

Importing them costs about 10 s of CPU, more than a default-scale training job computes, and a
3-seed `paper` starts 215 such jobs. During a local Snakemake run (`onstart` in the
Snakefile) one server imports them once and listens on a Unix socket named by $BOOM_FORK_SERVER;
`python -m boom <stage> ...` hands its arguments, working directory, environment and standard
streams to the server, which forks a child to run the stage's `main(argv)` and reports its exit
status. Anything else runs the stage in its own process, as `python -m boom.<stage>` would:
no server (a cluster executor, `BOOM_FORK_SERVER=0`), an unreachable socket, or a job whose
interpreter or import-time environment (HF_*, TORCH*, ...) differs from the server's. The thread
counts Snakemake sets per job ($OMP_NUM_THREADS, ...) are applied in the child.

Crash safety: the child is killed (with its process group) when its client goes away, e.g.
Snakemake killing the job; the server kills its children and exits when Snakemake exits; a
child dies with the server (PR_SET_PDEATHSIG). Snakemake's `benchmark:` files then see the
client's wall time (right) but not the child's CPU and memory; the client logs those.

Who may start a job: only the server's own user. The socket lies in a folder of its own that
only that user can enter (0700, checked, removed when the server stops), and the server reads each
peer's uid (SO_PEERCRED) and refuses any other, before reading its request; the client then runs
the stage in its own process.

This module imports nothing heavy itself: the child imports boom's own modules fresh from disk.
"""

from __future__ import annotations

import ctypes
import importlib
import json
import os
import select
import shutil
import signal
import socket
import stat
import struct
import subprocess
import sys
import tempfile
import time
import traceback

ENV_VAR = "BOOM_FORK_SERVER"
PRELOAD = ("torch", "transformers", "sentence_transformers", "mteb", "sklearn", "pandas")
# Read at import time by the preloaded libraries: a job that sets them otherwise runs on its own.
IMPORT_TIME_ENV = ("HF_", "HUGGINGFACE", "TRANSFORMERS", "SENTENCE_TRANSFORMERS", "MTEB", "TORCH", "PYTORCH",
                   "OMP_", "MKL_", "OPENBLAS", "CUDA", "TOKENIZERS", "PYTHON", "LD_")
# Set by Snakemake per job (its `threads:`); the child applies them at run time instead.
THREAD_ENV = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "VECLIB_MAXIMUM_THREADS",
              "NUMEXPR_NUM_THREADS")
_HEADER = struct.Struct(">I")
_UCRED = struct.Struct("iII")  # struct ucred: pid_t, uid_t, gid_t


def _interpreter() -> list[str]:
    """The interpreter and environment (venv) a process runs in: `python` and `python3` of one
    venv are the same; two venvs over one base interpreter are not."""
    return [os.path.realpath(sys.executable), sys.prefix, sys.version]


def _import_time_env(env: dict) -> dict:
    return {k: v for k, v in env.items() if k.startswith(IMPORT_TIME_ENV) and k not in THREAD_ENV}


def _apply_thread_env() -> None:
    """What a fresh process would take from $OMP_NUM_THREADS at start: torch's and the BLAS and
    OpenMP pools' thread counts (none has started a thread in the server: it computed nothing)."""
    threads = os.environ.get("OMP_NUM_THREADS", "")
    if not threads.isdigit() or int(threads) < 1:
        return
    if "threadpoolctl" in sys.modules or "sklearn" in sys.modules:
        from threadpoolctl import threadpool_limits

        threadpool_limits(limits=int(threads))
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(int(threads))


# ---------------------------------------------------------------- client


def run(module: str, argv: list[str]) -> int | None:
    """Run `module.main(argv)` in the fork server; its exit status, or None where no server
    takes the job (the caller then runs it in its own process)."""
    path = os.environ.get(ENV_VAR)
    if not path or path == "0":
        return None
    if "TORCHELASTIC_RUN_ID" in os.environ:  # a torchrun worker: its launcher watches this very process
        return None
    label = " ".join([module, *argv[:1]])
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.connect(path)
    except OSError:
        return None
    request = json.dumps({"module": module, "argv": argv, "cwd": os.getcwd(), "env": dict(os.environ),
                          "interpreter": _interpreter()}).encode()
    sys.stdout.flush()
    sys.stderr.flush()
    replies = sock.makefile("rb")
    unread = None  # why the server cannot have had the whole request, if it cannot
    try:
        socket.send_fds(sock, [_HEADER.pack(len(request))], [0, 1, 2])
        sock.sendall(request)
    except OSError as error:  # it closed before reading it all (a refusal may be waiting still)
        unread = error
    try:
        first = replies.readline()
    except OSError as error:  # a reset: it closed with the request unread
        first, unread = b"", unread or error
    if not first and unread:  # nothing can have run: the stage may run here
        print(f"boom: running {label} in its own process: the fork server at {path} did not take it ({unread})",
              file=sys.stderr)
        return None
    if not first:  # it read the request and closed: whether a child started is unknown
        print(f"boom: the fork server at {path} closed the connection before taking {label}", file=sys.stderr)
        return 1
    started = json.loads(first)
    if "refused" in started:
        print(f"boom: running {label} in its own process: {started['refused']}", file=sys.stderr)
        return None
    last = replies.readline()
    if not last:
        print(f"boom: the fork server stopped while {label} ran in its pid {started['pid']}", file=sys.stderr)
        return 1
    done = json.loads(last)
    print(f"boom: {label} ran in fork server child {started['pid']}: {done['cpu_s']:.1f} s CPU, "
          f"{done['max_rss_mb']:.0f} MiB max RSS", file=sys.stderr)
    code = done["code"]
    return 128 - code if code < 0 else code  # a child killed by signal N exits like a shell's 128 + N


# ---------------------------------------------------------------- server


def serve(path: str, preload=PRELOAD, allowed=("boom.",)) -> None:
    """Import `preload`, listen on `path` and fork a child per job until the parent exits or
    SIGTERM arrives."""
    folder = os.path.dirname(os.path.abspath(path))
    _check_private(folder)  # a socket others can reach would run their arguments as this user
    start = time.perf_counter()
    baseline = (_interpreter(), _import_time_env(os.environ))  # before imports set their own (torch does)
    for name in preload:
        importlib.import_module(name)
    parent, stopping = os.getppid(), []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path + ".binding")
    os.chmod(path + ".binding", 0o600)
    listener.listen(64)
    os.rename(path + ".binding", path)  # the path exists once the server listens
    print(f"boom fork server: {', '.join(preload) or 'nothing'} imported in {time.perf_counter() - start:.1f} s; "
          f"listening on {path}", flush=True)
    jobs: dict[int, socket.socket | None] = {}  # child pid -> its client (None once gone)
    try:
        while not stopping and os.getppid() == parent:
            clients = {conn: pid for pid, conn in jobs.items() if conn is not None}
            try:
                readable, _, _ = select.select([listener, *clients], [], [], 0.2)
            except InterruptedError:
                readable = []
            for ready in readable:
                if ready is listener:
                    _accept(listener, jobs, baseline, allowed)
                else:  # a client with a running job closed its end: Snakemake killed the job
                    pid = clients[ready]
                    print(f"boom fork server: client of {pid} went away; killing it", flush=True)
                    _kill(pid)
                    ready.close()
                    jobs[pid] = None
            _reap(jobs)
    finally:
        for pid in jobs:
            _kill(pid)
        listener.close()
        if os.path.exists(path):
            os.unlink(path)
        try:  # the folder start() made for the socket; left alone if anything else is in it
            os.rmdir(folder)
        except OSError:
            pass


def _check_private(folder: str) -> None:
    """Raise unless `folder` is a real folder of this user's that nobody else may enter."""
    info = os.lstat(folder)
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or stat.S_IMODE(info.st_mode) != 0o700:
        raise PermissionError(f"{folder} is not a folder of uid {os.getuid()} with mode 0700 (it is "
                              f"{stat.filemode(info.st_mode)}, uid {info.st_uid}): refusing to serve jobs from it")


def _peer_uid(conn: socket.socket) -> int | None:
    """The connecting process's uid, as the kernel recorded it at connect (Linux); None if unknown."""
    try:
        _pid, uid, _gid = _UCRED.unpack(conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, _UCRED.size))
    except (AttributeError, OSError, struct.error):  # no SO_PEERCRED here: nobody is let in
        return None
    return uid


def _accept(listener, jobs, baseline, allowed) -> None:
    conn, _ = listener.accept()
    uid = _peer_uid(conn)
    if uid != os.getuid():
        # Checked before reading anything: its request and streams are never taken. The refusal
        # is sent without blocking (a peer that reads nothing cannot stall the server).
        print(f"boom fork server: refused a connection from uid {uid}: not this server's uid {os.getuid()}",
              flush=True)
        try:
            conn.setblocking(False)
            conn.send(json.dumps({"refused": "the fork server serves its own user only"}).encode() + b"\n")
        except OSError:
            pass
        conn.close()
        return
    fds: list[int] = []
    try:
        conn.settimeout(30)
        header, fds, _, _ = socket.recv_fds(conn, _HEADER.size, 3)
        (size,) = _HEADER.unpack(header)
        payload = b""
        while len(payload) < size:
            chunk = conn.recv(size - len(payload))
            if not chunk:
                raise ConnectionError("client closed mid-request")
            payload += chunk
        request = json.loads(payload)
        conn.settimeout(None)
    except (OSError, ValueError, struct.error) as error:
        print(f"boom fork server: dropped a malformed request ({error})", flush=True)
        for fd in fds:
            os.close(fd)
        conn.close()
        return
    reason = _refusal(request, baseline, allowed)
    if reason is None and len(fds) != 3:
        reason = "the request did not carry three standard streams"
    if reason:
        conn.sendall(json.dumps({"refused": reason}).encode() + b"\n")
        for fd in fds:
            os.close(fd)
        conn.close()
        return
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:
        try:
            listener.close()
            for other in jobs.values():
                if other is not None:
                    other.close()
            conn.close()
        finally:
            _child(request, fds)  # never returns
    for fd in fds:
        os.close(fd)
    print(f"boom fork server: child {pid} runs {' '.join([request['module'], *request['argv'][:1]])}", flush=True)
    conn.sendall(json.dumps({"pid": pid}).encode() + b"\n")
    jobs[pid] = conn


def _refusal(request: dict, baseline, allowed) -> str | None:
    interpreter, env = baseline
    if not str(request.get("module", "")).startswith(allowed):
        return f"module {request.get('module')!r} is not one of boom's stages"
    if request.get("interpreter") != interpreter:
        return f"its interpreter {request.get('interpreter')} is not the server's {interpreter}"
    theirs = _import_time_env(request.get("env", {}))
    differ = sorted(k for k in set(env) | set(theirs) if env.get(k) != theirs.get(k))
    if differ:
        return f"its import-time environment differs from the server's ({', '.join(differ)})"
    return None


def _child(request: dict, fds: list[int]) -> None:
    """Become the job: its process group, streams, directory, environment and arguments."""
    code = 1
    try:
        os.setpgid(0, 0)
        try:  # die with the server: SIGKILL on the parent's death (Linux)
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGCHLD):
            signal.signal(sig, signal.SIG_DFL)
        for target, fd in zip((0, 1, 2), fds):
            os.dup2(fd, target)
            os.close(fd)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        _apply_thread_env()
        sys.argv = [request["module"], *request["argv"]]
        try:
            importlib.import_module(request["module"]).main(request["argv"])
            code = 0
        except SystemExit as exit_:
            if exit_.code is None or isinstance(exit_.code, int):
                code = exit_.code or 0
            else:
                print(exit_.code, file=sys.stderr)
        except BaseException:
            traceback.print_exc()
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def _kill(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    except PermissionError:  # not yet its own group leader
        os.kill(pid, signal.SIGKILL)


def _reap(jobs: dict) -> None:
    while jobs:
        try:
            pid, status, usage = os.wait4(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        conn = jobs.pop(pid, None)
        if conn is not None:
            done = {"code": os.waitstatus_to_exitcode(status), "cpu_s": usage.ru_utime + usage.ru_stime,
                    "max_rss_mb": usage.ru_maxrss / 1024}
            try:
                conn.sendall(json.dumps(done).encode() + b"\n")
            except OSError:
                pass
            conn.close()


# ---------------------------------------------------------------- lifetime, from the Snakefile


def start(log_path: str, preload=PRELOAD, timeout: float = 180.0) -> subprocess.Popen | None:
    """Start a server for this process's jobs and point $BOOM_FORK_SERVER at it; None (and the
    jobs start their own processes) if it is disabled or not listening within `timeout`."""
    if os.environ.get(ENV_VAR) == "0":
        return None
    # Not the shared temporary folder itself: a fresh folder only this user may enter (mkdtemp
    # makes it 0700 whatever the umask; checked all the same), whatever the socket's own mode.
    folder = tempfile.mkdtemp(prefix=f"boom-{os.getpid()}-")
    try:
        _check_private(folder)
    except PermissionError as error:
        shutil.rmtree(folder, ignore_errors=True)
        print(f"boom: no fork server ({error}); every job starts its own process", file=sys.stderr)
        return None
    path = os.path.join(folder, "fork.sock")
    os.makedirs(os.path.dirname(log_path) or ".", exist_ok=True)
    with open(log_path, "a") as log:
        server = subprocess.Popen([sys.executable, "-m", "boom.forkserver", path, *preload], stdout=log,
                                  stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    server.socket_folder = folder  # for stop(), should the server not remove it itself
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and server.poll() is None:
        if os.path.exists(path):
            os.environ[ENV_VAR] = path
            return server
        time.sleep(0.1)
    stop(server)
    print(f"boom: the fork server did not start (see {log_path}); every job starts its own process",
          file=sys.stderr)
    return None


def stop(server: subprocess.Popen | None) -> None:
    os.environ.pop(ENV_VAR, None)
    if server is None:
        return
    if server.poll() is None:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    folder = getattr(server, "socket_folder", None)
    if folder:  # a server killed (or dead) before its own clean-up leaves the folder behind
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    serve(sys.argv[1], preload=tuple(sys.argv[2:]))
