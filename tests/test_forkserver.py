"""The fork server runs a stage as its own process would, and never outlives its job or its
Snakemake."""

import io
import json
import os
import re
import select
import signal
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from boom import forkserver, train

NOBODY = 65534


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A server with torch imported (the children import the rest): a few seconds to start."""
    log = tmp_path_factory.mktemp("fs") / "forkserver.log"
    process = forkserver.start(str(log), preload=("torch",))
    assert process is not None, log.read_text()
    yield process, log
    forkserver.stop(process)
    assert process.returncode is not None


def _train_args(recipe, tiny_base, train_files, out):
    data = [f"{name}={path}" for name, path in train_files.items()]
    return [sys.executable, "-m", "boom", "train", "--recipe", json.dumps(recipe), "--base", str(tiny_base),
            "--data", *data, "--out", str(out)]


def _child_of(log, module, seen=()):
    """The pid of the first child the server started for `module` that is not in `seen`."""
    for _ in range(200):
        for pid in re.findall(rf"child (\d+) runs {re.escape(module)}", log.read_text()):
            if int(pid) not in seen:
                return int(pid)
        time.sleep(0.05)
    raise AssertionError(f"the server never started {module}:\n{log.read_text()}")


def test_a_stage_run_by_the_server_gives_the_same_weights_as_in_its_own_process(
        server, train_recipe, tiny_base, train_files, tmp_path):
    run = subprocess.run(_train_args(train_recipe, tiny_base, train_files, tmp_path / "served" / "model"),
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert "ran in fork server child" in run.stderr and "trained served" in run.stderr
    train.train(train_recipe, tiny_base, train_files, tmp_path / "own" / "model")
    served = load_file(str(tmp_path / "served" / "model" / "model.safetensors"))
    own = load_file(str(tmp_path / "own" / "model" / "model.safetensors"))
    assert served.keys() == own.keys() and all(torch.equal(served[k], own[k]) for k in own)


def test_exit_status_and_messages_come_back_to_the_client(server):
    # `python3` of the venv is the server's interpreter too (Snakemake may run as one, jobs as the other)
    other_name = Path(sys.executable).with_name("python3" if Path(sys.executable).name == "python" else "python")
    bad = subprocess.run([str(other_name), "-m", "boom", "train", "--recipe"], capture_output=True, text=True,
                         timeout=60)
    assert bad.returncode == 2 and "usage: boom.train" in bad.stderr and "fork server child" in bad.stderr
    unknown = subprocess.run([sys.executable, "-m", "boom", "trian"], capture_output=True, text=True, timeout=60)
    assert unknown.returncode == 2 and "unknown stage 'trian'" in unknown.stderr


def test_killing_the_client_kills_its_job_and_leaves_no_model(server, train_recipe, tiny_base, train_files,
                                                              tmp_path):
    _, log = server
    seen = {int(p) for p in re.findall(r"child (\d+) runs", log.read_text())}
    out = tmp_path / "killed" / "model"
    client = subprocess.Popen(_train_args(train_recipe, tiny_base, train_files, out), stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    child = _child_of(log, "boom.stage train", seen)  # the child is still importing sentence-transformers
    client.send_signal(signal.SIGKILL)
    client.wait()
    for _ in range(100):
        if not os.path.exists(f"/proc/{child}"):
            break
        time.sleep(0.05)
    assert not os.path.exists(f"/proc/{child}"), "the job outlived its client"
    assert f"client of {child} went away" in log.read_text()
    assert not out.exists()


def test_a_job_with_another_import_time_environment_runs_in_its_own_process(server, train_files, tmp_path):
    env = {**os.environ, "HF_HOME": str(tmp_path / "elsewhere")}
    out = tmp_path / "bag.jsonl"
    run = subprocess.run([sys.executable, "-m", "boom", "data.sampling", "--in", str(train_files["snli"]),
                          "--dataset", "snli", "--ratio", "0.5", "--seed", "0", "--out", str(out)],
                         capture_output=True, text=True, env=env, timeout=60)
    assert run.returncode == 0, run.stderr
    assert "running boom.stage data.sampling in its own process: its import-time environment differs from the server's (HF_HOME)" in run.stderr
    assert len(out.read_text().splitlines()) == 12
    # the thread counts Snakemake sets per job are applied in the child, not a reason to refuse
    threads = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    run = subprocess.run([sys.executable, "-m", "boom", "data.sampling", "--in", str(train_files["snli"]),
                          "--dataset", "snli", "--ratio", "0.5", "--seed", "0", "--out", str(tmp_path / "b2.jsonl")],
                         capture_output=True, text=True, env=threads, timeout=60)
    assert run.returncode == 0 and "ran in fork server child" in run.stderr, run.stderr
    assert (tmp_path / "b2.jsonl").read_text() == out.read_text()


def test_the_server_exits_with_the_process_that_started_it(tmp_path):
    log = tmp_path / "forkserver.log"
    starter = subprocess.run(
        [sys.executable, "-c", "import os; from boom import forkserver; "
         f"forkserver.start({str(log)!r}, preload=()); print(os.environ[forkserver.ENV_VAR])"],
        capture_output=True, text=True, timeout=60)
    path = starter.stdout.strip()
    assert path.endswith(".sock"), starter.stderr
    for _ in range(100):
        if not os.path.exists(os.path.dirname(path)):
            break
        time.sleep(0.05)
    assert not os.path.exists(path), "the server outlived its Snakemake"
    assert not os.path.exists(os.path.dirname(path)), "the server left its socket's folder behind"


def test_the_socket_lies_in_a_folder_only_its_user_can_enter(tmp_path, monkeypatch):
    monkeypatch.delenv(forkserver.ENV_VAR, raising=False)  # restored for the module's server afterwards
    log = tmp_path / "forkserver.log"
    umask = os.umask(0o002)  # group-writable by default: the umask that left the socket srwxrwxr-x in /tmp
    try:
        process = forkserver.start(str(log), preload=())
    finally:
        os.umask(umask)
    assert process is not None, log.read_text()
    path = os.environ[forkserver.ENV_VAR]
    folder = os.path.dirname(path)
    try:
        info = os.lstat(folder)
        assert stat.S_ISDIR(info.st_mode) and stat.S_IMODE(info.st_mode) == 0o700, stat.filemode(info.st_mode)
        assert info.st_uid == os.getuid()
        assert os.path.realpath(folder) != os.path.realpath(tempfile.gettempdir())
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    finally:
        forkserver.stop(process)
    assert not os.path.exists(folder)
    # and a server refuses to listen in a folder others may enter, before importing anything
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o775)
    with pytest.raises(PermissionError, match="mode 0700"):
        forkserver.serve(str(shared / "fork.sock"), preload=("no_such_module",))
    assert list(shared.iterdir()) == []


@pytest.mark.skipif(os.getuid() != 0, reason="becoming another user needs root")
def test_a_client_of_another_uid_is_refused_and_nothing_runs(train_files, tmp_path, monkeypatch):
    monkeypatch.delenv(forkserver.ENV_VAR, raising=False)
    log = tmp_path / "forkserver.log"
    process = forkserver.start(str(log), preload=())
    assert process is not None, log.read_text()
    path = os.environ[forkserver.ENV_VAR]
    out = tmp_path / "bag.jsonl"
    argv = ["data.sampling", "--in", str(train_files["snli"]), "--dataset", "snli", "--ratio", "0.5", "--seed", "0",
            "--out", str(out)]
    try:
        # Open the folder and socket to everyone, so that only the uid check stands in nobody's way.
        os.chmod(os.path.dirname(path), 0o711)
        os.chmod(path, 0o777)
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the client, as nobody (forked: nobody cannot reach this interpreter under /root)
            try:
                os.close(read)
                # as the server sees it: nobody cannot resolve the interpreter's path under /root
                interpreter = forkserver._interpreter()
                forkserver._interpreter = lambda: interpreter
                os.setgid(NOBODY)
                os.setuid(NOBODY)
                sys.stderr = io.StringIO()
                result = forkserver.run("boom.stage", argv)
                os.write(write, json.dumps({"uid": os.getuid(), "result": result,
                                            "stderr": sys.stderr.getvalue()}).encode())
            finally:
                os._exit(0)
        os.close(write)
        with os.fdopen(read, "rb") as pipe:
            if not select.select([pipe], [], [], 30)[0]:
                os.kill(pid, signal.SIGKILL)
            report = pipe.read()
        os.waitpid(pid, 0)
        assert report, "the refused client hung"
        report = json.loads(report)
        assert report["uid"] == NOBODY
        assert report["result"] is None, report  # the caller runs the stage in its own process
        assert "boom.stage data.sampling in its own process: the fork server serves its own user only" in \
            report["stderr"], report
        text = log.read_text()
        assert f"refused a connection from uid {NOBODY}: not this server's uid 0" in text, text
        assert not re.search(r"child \d+ runs", text), text
        assert not out.exists()
        # the server goes on serving its own user
        run = subprocess.run([sys.executable, "-m", "boom", *argv], capture_output=True, text=True, timeout=60)
        assert run.returncode == 0 and "ran in fork server child" in run.stderr, run.stderr
        assert out.exists()
    finally:
        forkserver.stop(process)
    assert not os.path.exists(os.path.dirname(path))
