"""Group leader for one bounded tool run (see woo.adapters.bounded); run as a script, stdlib only.

    python -I _toolguard.py PARENT_PID TOOL [ARGS...]

It leads the tool's own process group and takes it down whole when the process that started it
dies (rq killed the work-horse, `woo up` stopped the worker): the kernel sends it SIGTERM then
(PR_SET_PDEATHSIG), and it answers with SIGKILL to the whole group, helpers the tool forked
included. Otherwise it waits for the tool and exits the way the tool did.
"""
import ctypes
import os
import signal
import sys


def main() -> None:
    parent, argv = int(sys.argv[1]), sys.argv[2:]

    def kill_group(*_):
        os.killpg(0, signal.SIGKILL)

    signal.signal(signal.SIGTERM, kill_group)
    signal.signal(signal.SIGHUP, kill_group)
    ctypes.CDLL(None).prctl(1, int(signal.SIGTERM), 0, 0, 0)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:  # the parent died before the line above took effect
        kill_group()
    pid = os.fork()
    if pid == 0:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGHUP, signal.SIG_DFL)
        try:
            os.execvp(argv[0], argv)
        except OSError:
            os._exit(127)
    while True:
        try:
            _, status = os.waitpid(pid, 0)
            break
        except InterruptedError:
            continue
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        if sig not in (signal.SIGKILL, signal.SIGSTOP):
            signal.signal(sig, signal.SIG_DFL)
        os.kill(os.getpid(), sig)
    os._exit(os.WEXITSTATUS(status) if os.WIFEXITED(status) else 1)


if __name__ == "__main__":
    main()
