#!/usr/bin/python3
"""Draws recall@10 against single-thread QPS (log axis) for every algorithm in the given sweep
CSVs (algorithm,param,recall,qps[,qps_wall]) into one PNG.

    /usr/bin/python3 bench/anchors/chart.py --title "..." --out bench/charts/x.png a.csv b.csv
"""

import argparse
import csv
from collections import defaultdict

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def read_curves(paths):
    curves = defaultdict(list)
    for path in paths:
        with open(path, newline="") as f:
            for row in csv.DictReader(f):
                curves[row["algorithm"]].append((float(row["recall"]), float(row["qps"]), row["param"]))
    return curves


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", required=True)
    p.add_argument("--title", default="recall@10 vs QPS, one thread")
    p.add_argument("--min-recall", type=float, default=0.0)
    p.add_argument("csv", nargs="+")
    a = p.parse_args()

    curves = read_curves(a.csv)
    fig, ax = plt.subplots(figsize=(9, 6), dpi=110)
    # Colour = index type, line = library, so each of ours sits next to its anchors.
    colours = {"hnsw": "tab:blue", "ivf-flat": "tab:orange", "ivf-pq": "tab:green"}
    styles = {"vectorstream": ("-", "o", 2.2), "hnswlib": ("--", "^", 1.3), "faiss": (":", "s", 1.6),
              "hnswlib-native": ("-.", "D", 1.6)}
    for algorithm in sorted(curves):
        pts = sorted(pt for pt in curves[algorithm] if pt[0] >= a.min_recall)
        if not pts:
            continue
        library, _, family = algorithm.partition("-")
        if family.startswith("native-"):
            library, family = library + "-native", family[len("native-"):]
        colour = colours.get(family, "tab:red" if "rerank" in family else "tab:gray")
        linestyle, marker, width = styles.get(library, ("-.", "x", 1.0))
        ax.plot([r for r, _, _ in pts], [q for _, q, _ in pts], color=colour,
                marker=marker, markersize=4, linewidth=width, linestyle=linestyle, label=algorithm)
    ax.set_yscale("log")
    ax.set_xlabel("recall@10")
    ax.set_ylabel("queries per second, one thread (CPU time), log scale")
    ax.set_title(a.title)
    ax.axvline(0.95, color="grey", linewidth=0.8, linestyle=":")
    ax.grid(True, which="both", linewidth=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(a.out)
    print(f"wrote {a.out}")


if __name__ == "__main__":
    main()
