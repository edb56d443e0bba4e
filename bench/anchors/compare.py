#!/usr/bin/python3
"""Compares our indexes with the anchors at equal recall: for each algorithm it takes the Pareto
front of its (recall, qps) points, interpolates log(qps) linearly in recall at each target recall,
and prints our QPS / anchor QPS, plus build throughput ratios (vectors per CPU second, training
included), as Markdown.

    /usr/bin/python3 bench/anchors/compare.py OURS.csv ANCHORS.csv
(the -build.csv files next to them are read too)
"""

import argparse
import csv
import math
import os

PAIRS = [
    ("vectorstream-hnsw", "hnswlib-native-hnsw"),
    ("vectorstream-hnsw", "hnswlib-hnsw"),
    ("vectorstream-hnsw", "faiss-hnsw"),
    ("vectorstream-ivf-flat", "faiss-ivf-flat"),
    ("vectorstream-ivf-pq", "faiss-ivf-pq"),
    ("vectorstream-ivf-pq-rerank100", "faiss-ivf-pq-rerank100"),
]
BUILD_PAIRS = [
    ("vectorstream-hnsw", "hnswlib-native-hnsw"),
    ("vectorstream-hnsw", "hnswlib-hnsw"),
    ("vectorstream-hnsw", "faiss-hnsw"),
    ("vectorstream-ivf-flat", "faiss-ivf-flat"),
    ("vectorstream-ivf-pq", "faiss-ivf-pq"),
]


def read_points(path):
    curves = {}
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            curves.setdefault(row["algorithm"], []).append((float(row["recall"]), float(row["qps"])))
    return curves


def read_builds(path):
    if not os.path.exists(path):
        return {}
    with open(path, newline="") as f:
        return {row["algorithm"]: row for row in csv.DictReader(f)}


def qps_at(points, target):
    """QPS at recall `target` on the Pareto front, log-linear between the bracketing points;
    None when the measured curve does not span it (never reaches it, or starts above it)."""
    front = []
    for r, q in sorted(points, key=lambda p: (-p[0], -p[1])):
        if not front or q > front[-1][1]:
            front.append((r, q))
    front.sort()  # recall ascending, qps descending
    if not front or front[-1][0] < target:
        return None
    if front[0][0] > target:
        return None
    for (r0, q0), (r1, q1) in zip(front, front[1:]):
        if r0 <= target <= r1:
            if r1 == r0:
                return max(q0, q1)
            t = (target - r0) / (r1 - r0)
            return math.exp(math.log(q0) + t * (math.log(q1) - math.log(q0)))
    return None


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--targets", default="0.70,0.90,0.95,0.99")
    p.add_argument("csv", nargs="+")
    a = p.parse_args()
    curves, builds = {}, {}
    for path in a.csv:
        curves.update(read_points(path))
        builds.update(read_builds(path[: -len(".csv")] + "-build.csv"))
    targets = [float(t) for t in a.targets.split(",")]

    print("| ours | anchor | " + " | ".join(f"QPS ours / anchor @ recall {t:.2f}" for t in targets) + " |")
    print("|---|---|" + "---:|" * len(targets))
    for ours, anchor in PAIRS:
        if ours not in curves or anchor not in curves:
            continue
        cells = []
        for t in targets:
            qo, qa = qps_at(curves[ours], t), qps_at(curves[anchor], t)
            if qo is None or qa is None:
                span = lambda c: f"{min(r for r, _ in c):.3f}–{max(r for r, _ in c):.3f}"
                cells.append(f"n/a (recall spans {span(curves[ours])} / {span(curves[anchor])})")
            else:
                cells.append(f"**{qo / qa:.2f}×** ({qo:,.0f} / {qa:,.0f})")
        print(f"| {ours} | {anchor} | " + " | ".join(cells) + " |")

    print()
    print("| ours | anchor | build vectors per CPU s, ours / anchor | bytes/vector, ours / anchor |")
    print("|---|---|---:|---:|")
    for ours, anchor in BUILD_PAIRS:
        if ours not in builds or anchor not in builds:
            continue
        bo, ba = float(builds[ours]["build_vectors_per_s"]), float(builds[anchor]["build_vectors_per_s"])
        mo, ma = float(builds[ours]["bytes_per_vector"]), float(builds[anchor]["bytes_per_vector"])
        print(f"| {ours} | {anchor} | **{bo / ba:.2f}×** ({bo:,.0f} / {ba:,.0f}) | {mo:,.0f} / {ma:,.0f} |")


if __name__ == "__main__":
    main()
