"""Ctrl-C in any command: 已中断 and exit status 130 (SIGTERM 143, SIGHUP 129), never click's "Aborted!" and 1."""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import ROOT

TERM = "2024-2025-1"


def interrupt(*args, **kwargs):
    raise KeyboardInterrupt


# (command line, the module attribute the command reaches while working)
COMMANDS = [
    (["build"], "pipeline.commands.batch.discover"),
    (["validate"], "pipeline.commands.checking.validate"),
    (["check"], "pipeline.commands.checking.check"),
    (["check", "--fix"], "pipeline.commands.checking.check"),
    (["rollup", "--term", TERM], "pipeline.commands.rollup_run.run_rollup"),
    (["new-term", TERM, "2024-2025-2"], "pipeline.form.newterm.new_term"),
    (["templates"], "pipeline.workspace.templatesets.available_sets"),
    (["schema"], "pipeline.form.schema.form_schema_json"),
    (["init", "新学校"], "pipeline.workspace.scaffold.create_workspace"),
]


@pytest.mark.parametrize("args, target", COMMANDS, ids=[" ".join(args) for args, _ in COMMANDS])
def test_every_command_says_interrupted_and_exits_130(workspace, run, monkeypatch, args, target):
    import importlib

    module, name = target.rsplit(".", 1)
    monkeypatch.setattr(importlib.import_module(module), name, interrupt)

    result = run(workspace, *args)

    assert result.exit_code == 130
    assert result.stderr.splitlines()[-1] == "已中断"
    assert "Aborted" not in result.stderr + result.stdout


PROBE = """\
import os, signal, sys
from pipeline.commands import checking
def interrupted(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGINT)  # a real Ctrl-C, delivered while the command works
    signal.pause()
checking.validate = interrupted
from pipeline.cli import main
main(["validate"])
"""


@pytest.mark.slow
def test_a_real_ctrl_c_in_validate(workspace):
    done = subprocess.run([sys.executable, "-c", PROBE], cwd=workspace, capture_output=True, timeout=60,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    stderr = done.stderr.decode()
    assert done.returncode == 130, stderr
    assert stderr.strip() == "已中断"


SIGNAL_PROBE = """\
import os, signal, sys
from pipeline.commands import checking
def stopped(*args, **kwargs):
    os.kill(os.getpid(), signal.{name})  # kill, or the terminal closing, while the command works
    signal.pause()
checking.validate = stopped
from pipeline.cli import main
main(["validate"])
"""


@pytest.mark.parametrize("name, status", [("SIGTERM", 143), ("SIGHUP", 129), ("SIGINT", 130)])
def test_a_stop_signal_exits_128_plus_its_number(workspace, name, status):
    """As a shell reports a process a signal ended: 143 for kill, 129 for a closed terminal, 130 for Ctrl-C."""
    done = subprocess.run([sys.executable, "-c", SIGNAL_PROBE.format(name=name)], cwd=workspace, capture_output=True,
                          timeout=60, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    stderr = done.stderr.decode()
    assert done.returncode == status, stderr
    assert stderr.strip() == ("已中断" if name == "SIGINT" else "已中断（收到停止信号）")


IGNORED_PROBE = """\
import os, signal, time
from pipeline.commands import checking
real = checking.validate
def signalled(*args, **kwargs):
    os.kill(os.getpid(), signal.{name})  # sent while the command works, as to a background job or under nohup
    time.sleep(0.2)
    return real(*args, **kwargs)
checking.validate = signalled
from pipeline.cli import main
main(["validate"])
"""


@pytest.mark.parametrize("name", ["SIGINT", "SIGHUP"])
def test_a_stop_signal_the_run_was_started_ignoring_stays_ignored(workspace, name):
    """A shell starts a background job (worksum build &) with SIGINT ignored, and nohup starts it with
    SIGHUP ignored, so that Ctrl-C or closing the terminal leaves it running: worksum keeps it so."""
    import signal

    number = getattr(signal, name)
    done = subprocess.run([sys.executable, "-c", IGNORED_PROBE.format(name=name)], cwd=workspace, capture_output=True,
                          timeout=60, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
                          preexec_fn=lambda: signal.signal(number, signal.SIG_IGN))
    stderr = done.stderr.decode()
    assert done.returncode == 0, stderr
    assert "已中断" not in stderr and stderr.splitlines()[-1].startswith("检查了 12 份填报表")
