"""A forking worker's siegfried child serves its work-horses (issue 18: PDF/A throughput on the heavy queue).

siegfried's first identification in a process loads its Go runtime and signatures (0.8 s of CPU); paid in
every forked horse it was most of a rendition's time. The worker starts one child; horses ask it."""
import json
import os

import pikepdf

from woo.intake import identify


def _in_child(fn) -> dict:
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # a work-horse: no pytest teardown, just the answer
        try:
            os.close(read)
            os.write(write, json.dumps(fn()).encode())
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read) as fh:
        out = fh.read()
    os.waitpid(pid, 0)
    return json.loads(out) if out else {}


def test_horses_ask_the_workers_siegfried_child_and_skip_answers_left_by_a_killed_horse(tmp_path, monkeypatch):
    pdf = tmp_path / "brief.pdf"
    doc = pikepdf.new()
    doc.add_blank_page()
    doc.save(pdf)
    monkeypatch.setattr(identify, "_shared", None)
    # Identifying in the horse itself would answer this (and, after pygfried ran in this process, hang).
    monkeypatch.setattr(identify, "_pronom_here", lambda path: {"id": "fmt/in-the-horse"})
    identify.shared_helper()
    helper = identify._shared
    try:
        expected = list(identify.pronom(pdf))
        assert expected[0] and expected[0].startswith("fmt/")

        def killed_horse():  # asks, then dies before it reads its answer
            helper.proc.stdin.write(json.dumps({"path": str(pdf), "ref": "killed"}) + "\n")
            helper.proc.stdin.flush()
            return {}

        _in_child(killed_horse)
        got = _in_child(lambda: {"pronom": list(identify.pronom(pdf))})
        assert got == {"pronom": expected}
        assert helper.proc.poll() is None  # one child for the worker's lifetime
    finally:
        helper.close()
