# expect: cpu_limit CPU burnt in several processes counts together
# limits: cpu_seconds=2 timeout_seconds=20
# ruff: noqa  (hostile on purpose: unidiomatic code is the point)
"""Hostile: cpu burn children."""

import multiprocessing
import os


def burn() -> None:
    while True:
        pass


if __name__ == "__main__":
    ctx = multiprocessing.get_context("fork")
    workers = [ctx.Process(target=burn) for _ in range(3)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
