#!/usr/bin/python3
"""hnswlib on one thread next to a serving run of bench/run-serving.sh, on the same data at the
same recall: reads the run's RESULTS/serving-LABEL.tsv (written by ServingBench), builds hnswlib on
the run's base vectors (the first N of the data set) with the job's M and efConstruction, scores it
against the same exact top-10 the run used, and sweeps ef upwards until hnswlib reaches the
recall@10 of the job's fastest eventual level. Prints, as Markdown, the sweep and hnswlib's
queries/s at that recall (log-linear between the two efs around it, as compare.py interpolates; the
nearest point, said so, when the sweep does not span it), and the job's queries/s over hnswlib's.

hnswlib is measured as in anchors.py: one thread, queries/s per CPU second, best of 3 passes. The
job's figure is wall-clock queries/s through Kafka on all the machine's cores.

    /usr/bin/python3 bench/anchors/serving_anchor.py bench/results/serving-LABEL.tsv
        [--efs 10,16,...] [--min-seconds 1] [--results bench/results]

Needs python3-hnswlib and python3-numpy (apt-get install -y python3-hnswlib python3-numpy).
Writes RESULTS/serving-LABEL-hnswlib.csv (and -build.csv) like anchors.py.
"""

import argparse
import csv
import os

from anchors import Results, ints, run_hnswlib
from compare import qps_at
from vecs import load, read_ivecs

K = 10


def read_run(path):
    """(meta, rows) of a serving-LABEL.tsv: its '# key<TAB>value' lines and its level rows."""
    meta, lines = {}, []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("# "):
                key, _, value = line[2:].rstrip("\n").partition("\t")
                meta[key] = value
            elif line.strip():
                lines.append(line)
    rows = list(csv.DictReader(lines, delimiter="\t"))
    return meta, rows


def at_recall(points, target):
    """(qps, note) of hnswlib at recall `target` from its sweep [(ef, recall, qps)]."""
    q = qps_at([(r, qps) for _, r, qps in points], target)
    if q is not None:
        above = min((p for p in points if p[1] >= target), key=lambda p: p[0])
        below = [p for p in points if p[1] < target and p[0] < above[0]]
        if above[1] == target or not below:
            return q, f"ef {above[0]}"
        return q, f"between ef {max(below)[0]} and {above[0]}"
    best = max(points, key=lambda p: p[1])
    if best[1] < target:
        return best[2], (f"**not reached**: at most {best[1]:.4f} (ef {best[0]}), its q/s there; "
                         "hnswlib at the job's recall would be slower")
    lowest = min(points, key=lambda p: p[0])
    return lowest[2], (f"**lowest ef {lowest[0]} is already at {lowest[1]:.4f}**, its q/s there; "
                       "hnswlib at the job's recall would be faster")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("run", help="RESULTS/serving-LABEL.tsv of the run")
    p.add_argument("--efs", type=ints, default=ints("10,16,24,32,48,64,96,128,192,256,384,512"))
    p.add_argument("--min-seconds", type=float, default=1.0)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--results", default=None, help="where the hnswlib sweep goes (the run's folder)")
    a = p.parse_args()

    meta, rows = read_run(a.run)
    eventual = [r for r in rows if r["consistency"] == "eventual"] or rows
    if not eventual:
        raise SystemExit(f"{a.run} holds no level")
    job = max(eventual, key=lambda r: float(r["qps"]))
    target = float(job["recall"])
    n = int(meta["vectors"])
    a.m = int(meta["hnsw.m"])
    a.ef_construction = int(meta["hnsw.ef-construction"])
    a.k = K

    name, metric, base, queries, _ = load(meta["data"])
    base = base[:n]
    truth = read_ivecs(meta["truth"])[:, :K]
    if len(truth) != len(queries):
        raise SystemExit(f"{meta['truth']} has {len(truth)} rows for {len(queries)} queries")

    label = job["label"]
    print(f"\n## hnswlib on one thread, same data, same recall\n\n"
          f"hnswlib (Python, one thread, queries/s per CPU second) on the run's {n:,} × {base.shape[1]} "
          f"{metric} base vectors of {name}, M={a.m}, efConstruction={a.ef_construction}, "
          f"{len(queries):,} queries, recall@{K} against the run's exact top-{K}; target: the job's "
          f"fastest eventual level, {job['clients']} clients at recall@{K} {target:.4f}.", flush=True)
    out = Results()
    run_hnswlib(a, metric, base, queries, truth, out, stop_at_recall=target)
    results = a.results or os.path.dirname(os.path.abspath(a.run))
    out.write(results, os.path.basename(a.run)[: -len(".tsv")] + "-hnswlib")

    points = [(ef, r, q) for _, ef, r, q, _ in out.points]
    qps, note = at_recall(points, target)
    job_qps = float(job["qps"])
    print(f"\n| run | job: clients, queries/s, recall@{K} | hnswlib, one thread: queries/s at that recall "
          f"| job / hnswlib |\n|---|---|---:|---:|\n"
          f"| {label} | {job['clients']}, {job_qps:,.0f}, {target:.4f} | {qps:,.0f} ({note}) "
          f"| **{job_qps / qps:.3f}×** |")
    at_95 = qps_at([(r, q) for _, r, q in points], 0.95)
    if target > 0.95 and at_95 is not None:
        print(f"\nFor scale: hnswlib reaches recall@{K} 0.95 at {at_95:,.0f} queries/s "
              f"(job / that: {job_qps / at_95:.3f}×).")


if __name__ == "__main__":
    main()
