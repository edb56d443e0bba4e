#!/usr/bin/python3
"""Anchor curves for bench/run-ann.sh: hnswlib and FAISS (HNSW, IVF-Flat, IVF-PQ) on the same
data set, parameters and measurement as io.vectorstream.bench.ann.AnnBench, one thread.

Needs Debian's python3-hnswlib python3-faiss python3-numpy (run with /usr/bin/python3):
    apt-get install -y python3-hnswlib python3-faiss python3-numpy python3-matplotlib

Measurement, as in the Java bench: one untimed pass over all queries gives the answers recall@k
is computed from; then 3 timed passes, each repeating all queries until --min-seconds of CPU time
have passed, and the best pass counts. QPS = queries answered / CPU seconds of the process (one
thread does the work; on a shared machine CPU time is steadier than wall time, which is reported
too). Build times are CPU seconds as well. Queries go to the library in one call per pass (so Python
adds no per-query overhead) and the library answers them one after another on its single thread;
while searching, FAISS's BLAS path for batches is switched off so its coarse quantiser scores one
query at a time like ours (training and adding keep it). OMP/OpenBLAS are limited to one thread.

Writes RESULTS/NAME.csv (algorithm,param,recall,qps) and RESULTS/NAME-build.csv.
"""

import argparse
import csv
import os
import sys
import tempfile
import time

# One thread everywhere, BLAS included (FAISS's k-means and batch distances go through it).
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import numpy as np  # noqa: E402

from vecs import load


def recall_at(k, truth, found):
    hits = 0
    for t, f in zip(truth[:, :k], found[:, :k]):
        hits += len(np.intersect1d(t, f, assume_unique=False))
    return hits / (len(truth) * k)


PASSES = 3


class Stopwatch:
    """Wall time and this process's CPU time (one thread does all the work) since start."""

    def __init__(self):
        self.wall0 = time.perf_counter()
        self.cpu0 = time.process_time()

    def wall(self):
        return time.perf_counter() - self.wall0

    def cpu(self):
        return time.process_time() - self.cpu0


class PerQueryDistances:
    """While active, FAISS scores a batch of queries one query at a time (SIMD loops) instead of
    as one BLAS matrix product, as the Java bench does. Training and adding keep FAISS's default
    (BLAS), which is how FAISS is normally used."""

    def __enter__(self):
        import faiss

        self.saved = faiss.cvar.distance_compute_blas_threshold
        faiss.cvar.distance_compute_blas_threshold = 1 << 30

    def __exit__(self, *exc):
        import faiss

        faiss.cvar.distance_compute_blas_threshold = self.saved


def measure(search, queries, truth, k, min_seconds):
    """(recall@k, qps by CPU time, qps by wall time) of search(queries) -> (nq, k) ids; the best
    of PASSES timed passes, each at least min_seconds of CPU time."""
    with PerQueryDistances():
        return _measure(search, queries, truth, k, min_seconds)


def _measure(search, queries, truth, k, min_seconds):
    found = search(queries)
    recall = recall_at(k, truth, found)
    best_cpu = best_wall = 0.0
    for _ in range(PASSES):
        answered = 0
        watch = Stopwatch()
        while True:
            search(queries)
            answered += len(queries)
            if watch.cpu() >= min_seconds:
                break
        best_cpu = max(best_cpu, answered / watch.cpu())
        best_wall = max(best_wall, answered / watch.wall())
    return recall, best_cpu, best_wall


class Results:
    def __init__(self):
        self.points = []
        self.builds = []
        self._table = None

    def build(self, algorithm, settings, n, train_s, insert_s, wall_s, nbytes, code_bytes=None):
        build_s = train_s + insert_s
        self.builds.append(dict(algorithm=algorithm, settings=settings, vectors=n, train_s=train_s,
                                insert_s=insert_s, build_vectors_per_s=n / build_s, wall_s=wall_s,
                                bytes_per_vector=nbytes / n,
                                code_bytes_per_vector="" if code_bytes is None else code_bytes / n))
        codes = "" if code_bytes is None else f" ({code_bytes / n:,.0f})"
        print(f"\n#### {algorithm} ({settings})\n\n"
              f"| vectors | train s | insert s | inserts/s | build vectors/s | wall s | bytes/vector"
              f"{'' if code_bytes is None else ' (codes only)'} |\n|---:|---:|---:|---:|---:|---:|---:|\n"
              f"| {n:,} | {train_s:.1f} | {insert_s:.1f} | {n / insert_s:,.0f} | {n / build_s:,.0f} "
              f"| {wall_s:.1f} | {nbytes / n:,.0f}{codes} |", flush=True)

    def point(self, algorithm, param_name, param, recall, qps, qps_wall):
        if algorithm != self._table:
            self._table = algorithm
            print(f"\n{algorithm}:\n\n| {param_name} | recall@10 | QPS (CPU time) | QPS (wall) |\n"
                  f"|---:|---:|---:|---:|")
        self.points.append((algorithm, param, recall, qps, qps_wall))
        print(f"| {param} | {recall:.4f} | {qps:,.0f} | {qps_wall:,.0f} |", flush=True)

    def write(self, results_dir, name):
        os.makedirs(results_dir, exist_ok=True)
        with open(os.path.join(results_dir, name + ".csv"), "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["algorithm", "param", "recall", "qps", "qps_wall"])
            for a, p, r, q, qw in self.points:
                w.writerow([a, p, f"{r:.5f}", f"{q:.1f}", f"{qw:.1f}"])
        with open(os.path.join(results_dir, name + "-build.csv"), "w", newline="") as f:
            cols = ["algorithm", "settings", "vectors", "train_s", "insert_s", "build_vectors_per_s",
                    "wall_s", "bytes_per_vector", "code_bytes_per_vector"]
            w = csv.DictWriter(f, fieldnames=cols)
            w.writeheader()
            for b in self.builds:
                w.writerow({c: (f"{v:.3f}" if isinstance(v, float) else v) for c, v in b.items()})


def run_hnswlib(a, metric, base, queries, truth, out, stop_at_recall=None):
    """Builds hnswlib on base and sweeps a.efs; with stop_at_recall, the sweep ends at the first
    ef that reaches it (higher efs only cost time)."""
    import hnswlib

    n, dim = base.shape
    space = "l2" if metric == "euclidean" else "ip"  # cosine vectors are unit length already
    index = hnswlib.Index(space=space, dim=dim)
    index.init_index(max_elements=n, ef_construction=a.ef_construction, M=a.m, random_seed=a.seed)
    index.set_num_threads(1)
    watch = Stopwatch()
    index.add_items(base, np.arange(n), num_threads=1)
    insert_s, wall_s = watch.cpu(), watch.wall()
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "index.bin")
        index.save_index(path)
        nbytes = os.path.getsize(path)
    out.build("hnswlib-hnsw", f"M={a.m} efConstruction={a.ef_construction}", n, 0.0, insert_s, wall_s, nbytes)
    for ef in a.efs:
        index.set_ef(max(ef, a.k))

        def search(q):
            labels, _ = index.knn_query(q, k=a.k, num_threads=1)
            return labels

        recall, qps, qps_wall = measure(search, queries, truth, a.k, a.min_seconds)
        out.point("hnswlib-hnsw", "ef", ef, recall, qps, qps_wall)
        if stop_at_recall is not None and recall >= stop_at_recall:
            break


def faiss_metric(faiss, metric):
    return faiss.METRIC_L2 if metric == "euclidean" else faiss.METRIC_INNER_PRODUCT


def run_faiss_hnsw(a, metric, base, queries, truth, out):
    import faiss

    n, dim = base.shape
    index = faiss.IndexHNSWFlat(dim, a.m, faiss_metric(faiss, metric))
    index.hnsw.efConstruction = a.ef_construction
    watch = Stopwatch()
    index.add(base)
    insert_s, wall_s = watch.cpu(), watch.wall()
    nbytes = faiss.serialize_index(index).size
    out.build("faiss-hnsw", f"M={a.m} efConstruction={a.ef_construction}", n, 0.0, insert_s, wall_s, nbytes)
    for ef in a.efs:
        index.hnsw.efSearch = max(ef, a.k)
        out.point("faiss-hnsw", "ef", ef,
                  *measure(lambda q: index.search(q, a.k)[1], queries, truth, a.k, a.min_seconds))


def run_faiss_ivf(a, metric, base, queries, truth, out, pq):
    import faiss

    n, dim = base.shape
    fm = faiss_metric(faiss, metric)
    quantizer = faiss.IndexFlat(dim, fm)
    if pq:
        ivf = faiss.IndexIVFPQ(quantizer, dim, a.nlist, a.pq_m, 8, fm)
        ivf.pq.cp.niter = a.train_iterations
        family, settings = "faiss-ivf-pq", f"nlist={a.nlist} m={a.pq_m}x8bit"
    else:
        ivf = faiss.IndexIVFFlat(quantizer, dim, a.nlist, fm)
        family, settings = "faiss-ivf-flat", f"nlist={a.nlist}"
    ivf.cp.niter = a.train_iterations
    ivf.cp.seed = a.seed
    sample = base[: min(a.train_size, n)]
    settings += f" train={len(sample)}x{a.train_iterations}it"
    # With PQ, a refine index keeps the full vectors for exact reranking, as ours does.
    index = faiss.IndexRefineFlat(ivf) if pq else ivf
    train = Stopwatch()
    index.train(sample)
    train_s, train_wall = train.cpu(), train.wall()
    insert = Stopwatch()
    index.add(base)
    insert_s, wall_s = insert.cpu(), train_wall + insert.wall()
    nbytes = faiss.serialize_index(index).size
    code_bytes = faiss.serialize_index(ivf).size if pq else None
    out.build(family, settings, n, train_s, insert_s, wall_s, nbytes, code_bytes)
    reranks = a.reranks if pq else [0]
    for rerank in reranks:
        name = family if rerank == 0 else f"{family}-rerank{rerank}"
        for nprobe in a.nprobes:
            ivf.nprobe = nprobe
            if rerank == 0:
                search = lambda q: ivf.search(q, a.k)[1]
            else:
                index.k_factor = rerank / a.k

                def search(q):
                    return index.search(q, a.k)[1]

            out.point(name, "nprobe", nprobe, *measure(search, queries, truth, a.k, a.min_seconds))


def ints(s):
    return [int(x) for x in s.split(",")]


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", required=True)
    p.add_argument("--algorithms", default="hnswlib,faiss-hnsw,faiss-ivf-flat,faiss-ivf-pq")
    p.add_argument("--m", type=int, default=16)
    p.add_argument("--ef-construction", type=int, default=200)
    p.add_argument("--efs", type=ints, default=ints("10,16,24,32,48,64,96,128,256"))
    p.add_argument("--nlist", type=int, default=0)
    p.add_argument("--pq-m", type=int, default=0)
    p.add_argument("--nprobes", type=ints, default=ints("1,2,4,8,16,32,64,128"))
    p.add_argument("--reranks", type=ints, default=ints("0,100"))
    p.add_argument("--train-size", type=int, default=65536)
    p.add_argument("--train-iterations", type=int, default=25)
    p.add_argument("--k", type=int, default=10)
    p.add_argument("--min-seconds", type=float, default=1.0)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--results", default="bench/results")
    p.add_argument("--name", default=None)
    a = p.parse_args()

    import faiss

    faiss.omp_set_num_threads(1)

    name, metric, base, queries, truth = load(a.data)
    n, dim = base.shape
    a.nlist = a.nlist or max(1, round(n ** 0.5))
    a.pq_m = a.pq_m or max(1, dim // 8)
    out_name = a.name or f"{name}-anchors"
    print(f"## {name}: {n:,} base x {dim}, {len(queries):,} queries, {metric}, recall@{a.k}, one thread, "
          f"faiss {faiss.__version__}, numpy {np.__version__}, python {sys.version.split()[0]}")
    out = Results()
    for algorithm in a.algorithms.split(","):
        if algorithm == "hnswlib":
            run_hnswlib(a, metric, base, queries, truth, out)
        elif algorithm == "faiss-hnsw":
            run_faiss_hnsw(a, metric, base, queries, truth, out)
        elif algorithm == "faiss-ivf-flat":
            run_faiss_ivf(a, metric, base, queries, truth, out, pq=False)
        elif algorithm == "faiss-ivf-pq":
            run_faiss_ivf(a, metric, base, queries, truth, out, pq=True)
        else:
            sys.exit(f"unknown algorithm {algorithm}; use hnswlib, faiss-hnsw, faiss-ivf-flat, faiss-ivf-pq")
        out.write(a.results, out_name)
    print(f"\nwrote {os.path.join(a.results, out_name + '.csv')}")


if __name__ == "__main__":
    main()
