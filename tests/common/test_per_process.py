"""One object per process: built once, built again in a forked child, and
closed on reset only by the process that built it."""

from __future__ import annotations

import os

from common.per_process import PerProcess


class Client:
    closed = False

    def close(self) -> None:
        self.closed = True


def test_the_object_is_built_once_and_again_after_reset() -> None:
    built: list[Client] = []

    def build() -> Client:
        built.append(Client())
        return built[-1]

    holder = PerProcess(build, close=Client.close)
    first = holder.get()
    assert holder.get() is first and len(built) == 1
    holder.reset()
    assert first.closed
    assert holder.get() is not first and len(built) == 2


def test_a_forked_child_builds_its_own_and_leaves_the_parents_open() -> None:
    holder = PerProcess(Client, close=Client.close)
    parent = holder.get()
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report, then leave without running pytest's exit
        fresh = holder.get() is not parent and holder.get() is holder.get()
        holder.reset()
        os.write(write_end, b"1" if fresh and not parent.closed else b"0")
        os._exit(0)
    os.close(write_end)
    answer = os.read(read_end, 1)
    os.waitpid(pid, 0)
    os.close(read_end)
    assert answer == b"1", "the child reused or closed the parent's object"
    assert holder.get() is parent and not parent.closed
