#!/usr/bin/python3
"""Draws queries/s against concurrent clients (log x axis) through Kafka, one line per serving run
of bench/run-serving.sh, so runs before and after a change sit on one chart. Reads the Markdown
level table ServingBench prints into RESULTS/serving-LABEL.md (older runs' tables too: columns are
found by their header); eventual levels are joined by a line, a strong level is one open marker.

    /usr/bin/python3 bench/anchors/serving_chart.py --out bench/charts/serving-minilm.png \\
        --title "minilm-debian, 62,436 x 384" bench/results/serving-old.md=before \\
        bench/results/serving-new.md=after

A file without =LABEL is labelled with its table's run column.
"""

import argparse

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def cells(line):
    return [c.strip() for c in line.strip().strip("|").split("|")]


def read_levels(path):
    """[(run, clients, consistency, queries/s)] of the level table(s) in a Markdown result."""
    levels, header = [], None
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.startswith("|"):
                header = None
                continue
            row = cells(line)
            if header is None:
                header = row if {"clients", "consistency", "queries/s"} <= set(row) else []
                continue
            if not header or set(line.strip()) <= set("|-: "):
                continue
            r = dict(zip(header, row))
            levels.append((r.get("run", ""), int(r["clients"]), r["consistency"].strip("*"),
                           float(r["queries/s"].replace(",", ""))))
    if not levels:
        raise SystemExit(f"{path}: no table with clients, consistency and queries/s columns")
    return levels


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", required=True)
    p.add_argument("--title", default="queries/s vs concurrent clients, through Kafka")
    p.add_argument("result", nargs="+", help="RESULT.md or RESULT.md=LABEL")
    a = p.parse_args()

    fig, ax = plt.subplots(figsize=(8, 5), dpi=110)
    clients_seen = set()
    for i, spec in enumerate(a.result):
        path, _, label = spec.partition("=")
        levels = read_levels(path)
        label = label or levels[0][0] or path
        colour = f"C{i}"
        eventual = sorted((c, q) for _, c, cons, q in levels if cons == "eventual")
        strong = [(c, q) for _, c, cons, q in levels if cons == "strong"]
        if eventual:
            ax.plot([c for c, _ in eventual], [q for _, q in eventual], color=colour, marker="o",
                    linewidth=2, label=f"{label} (eventual)")
            for c, q in eventual:
                ax.annotate(f"{q:,.0f}", (c, q), textcoords="offset points", xytext=(0, 6),
                            ha="center", fontsize=7, color=colour)
        if strong:
            ax.plot([c for c, _ in strong], [q for _, q in strong], color=colour, marker="s",
                    markerfacecolor="none", linestyle="none", label=f"{label} (strong)")
        clients_seen.update(c for _, c, _, _ in levels)
    ax.set_xscale("log", base=2)
    ticks = sorted(clients_seen)
    ax.set_xticks(ticks)
    ax.set_xticklabels([str(t) for t in ticks])
    ax.set_ylim(bottom=0)
    ax.set_xlabel("concurrent clients (closed loop, k=10)")
    ax.set_ylabel("queries per second, through Kafka")
    ax.set_title(a.title)
    ax.grid(True, which="both", linewidth=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(a.out)
    print(f"wrote {a.out}")


if __name__ == "__main__":
    main()
