#!/usr/bin/env python3
"""Two commands run alternately, N times each, and compared by their medians.

On a shared machine the speed of the host drifts over the seconds a run takes, and a slow
stretch can land on one side of a back-to-back comparison only. Alternating puts both sides in
the same stretches; medians keep one slow run from moving the figure. CPU time (user + system)
is taken from each child's own resource usage.

Usage: benches/alternate.py [--runs N] [--mb MB] [--label TEXT] -- "COMMAND A" "COMMAND B"
A command holding `|` runs under /bin/sh; any other is split like a shell would and run
directly. With --mb, the throughput of A per core is printed from its median CPU time.
"""
import argparse
import os
import shlex
import statistics
import sys
import time

p = argparse.ArgumentParser()
p.add_argument("--runs", type=int, default=10)
p.add_argument("--warmup", type=int, default=1)
p.add_argument("--mb", type=float)
p.add_argument("--label", default="")
p.add_argument("commands", nargs=2)
a = p.parse_args()

null = os.open(os.devnull, os.O_WRONLY)


def argv(cmd):
    return ["/bin/sh", "-c", cmd] if "|" in cmd else shlex.split(cmd)


def once(cmd):
    args = argv(cmd)
    t = time.perf_counter()
    pid = os.posix_spawnp(args[0], args, os.environ, file_actions=[(os.POSIX_SPAWN_DUP2, null, 1)])
    _, status, ru = os.wait4(pid, 0)
    wall = time.perf_counter() - t
    if status != 0:
        sys.exit(f"failed ({status}): {cmd}")
    return wall, ru.ru_utime + ru.ru_stime


for _ in range(a.warmup):
    for c in a.commands:
        once(c)
runs = [[], []]
for _ in range(a.runs):
    for i, c in enumerate(a.commands):
        runs[i].append(once(c))

fmt = lambda x: f"{x * 1000:.2f} ms" if x < 0.1 else f"{x:.3f} s"
med = [statistics.median(w for w, _ in r) for r in runs]
cpu = [statistics.median(c for _, c in r) for r in runs]
print(
    f"{a.label}: sfbdiag {fmt(med[0])}, baseline {fmt(med[1])}, ratio {med[0] / med[1]:.2f}x "
    f"(medians of {a.runs} alternating runs; wall {fmt(min(w for w, _ in runs[0]))}-{fmt(max(w for w, _ in runs[0]))} "
    f"against {fmt(min(w for w, _ in runs[1]))}-{fmt(max(w for w, _ in runs[1]))})"
)
if a.mb:
    cpus = sorted(c for _, c in runs[0])
    print(
        f"  sfbdiag per core: {a.mb / cpu[0]:.0f} MB/s from the median CPU time {cpu[0]:.2f} s "
        f"(runs {a.mb / cpus[-1]:.0f}-{a.mb / cpus[0]:.0f} MB/s); baseline CPU {cpu[1]:.2f} s"
    )
