#!/usr/bin/python3
"""FAISS anchor for the memory-tier benchmark: recall@10, QPS and heap bytes/vector of compact
indexes with exact rescoring of 10*r candidates, and IndexFlat as exact reference. One thread.

Run (Debian's python3-faiss 1.7.3 + python3-numpy; -s keeps pip's numpy out), minilm first:
    /usr/bin/python3 -s bench/anchors/faiss_memory.py bench/data/minilm
    /usr/bin/python3 -s bench/anchors/faiss_memory.py bench/data/synth-1000000x128
Writes bench/results/faiss-memory-<data dir>.csv and .md; --queries N: first N queries only.

Cosine data: base and queries normalised to unit length, inner product; euclidean: L2.
  flat      IndexFlat, exact.
  lsh-flat  IndexLSH(d, d, rotate_data=True, train_thresholds=True): sign bits after FAISS's random
            rotation (RandomRotationMatrix, seed 5), thresholds = per-dimension MEDIAN of the
            rotated training sample (what IndexLSH trains; not the mean); Hamming top 10*r, then
            IndexRefineFlat(k_factor=r). r=1: Hamming top 10, no rescoring.
  bin-flat  IndexBinaryFlat over the same bits (lsh.sa_encode) + manual exact rescoring of the 10*r
            candidates with faiss.fvec_{L2sqr,inner_products}_by_idx (IndexRefineFlat's kernel)
            against the base: cross-check of lsh-flat and of the path bin-ivf uses.
  bin-ivf   IndexBinaryIVF, nlist = round(sqrt(n)), 25 k-means iterations, same bits and rescoring.
  ivfpq     IndexIVFPQ, nlist = round(sqrt(n)), m = d/8 and d/16 sub-quantisers x 8 bits, coarse and
            PQ k-means 25 iterations; both m share one coarse quantiser. r=1: IVF-PQ alone; r>1:
            IndexRefineFlat(k_factor=r). All training on the first --train-size base vectors.
Heap bytes/vector from the index structures: codes (IndexFlat 4d; IndexLSH/IndexBinaryFlat store
d/8 and no ids) + ids: for IVF, sum(list_size) * (code_size + 8-byte idx_t) / n over the inverted
lists (vector capacity slack not counted) + fixed structures amortised over n (bit encoder:
rotation d*d*4 + thresholds d*4; binary centroids nlist*d/8; coarse centroids nlist*d*4; PQ
codebooks 256*d*4; L2 precomputed table nlist*m*256*4). The refine store (IndexRefineFlat's
IndexFlat copy of the base) is 4*d bytes/vector more, reported separately.
Measurement as anchors.py: a pass over all queries gives recall@10 (share of the true top 10 in
the 10 returned); then up to 3 timed passes, each repeating the queries for >= --min-seconds CPU,
stopping once --max-seconds CPU are spent (a recall pass that alone took that long is the timed
pass). QPS = queries / process CPU s of the best pass, wall QPS too. faiss.omp_set_num_threads(1),
BLAS one thread, and FAISS's BLAS batch path off while searching (anchors.PerQueryDistances), so
queries are scored one at a time; only IndexLSH's query rotation is a (small) batched sgemm.
"""

import argparse, csv, os, sys, time  # noqa: E401

from anchors import PerQueryDistances, Stopwatch, recall_at  # sets OMP/BLAS threads to 1 first
import numpy as np
from vecs import load

import faiss

K, PASSES = 10, 3


def ints(s):
    return [int(x) for x in s.split(",")]


def measure(search, queries, truth, min_s, max_s):
    """(recall@10, QPS per CPU second, QPS wall, timed passes) of search(queries) -> (nq, 10) ids."""
    nq = len(queries)
    with PerQueryDistances():
        watch = Stopwatch()
        found = search(queries)
        cpu, wall = watch.cpu(), watch.wall()
        recall = recall_at(K, truth, found)
        if cpu >= max_s:
            return recall, nq / cpu, nq / wall, 0
        best_cpu = best_wall = spent = 0.0
        for p in range(PASSES):
            answered, watch = 0, Stopwatch()
            while not answered or watch.cpu() < min_s:
                search(queries)
                answered += nq
            best_cpu, best_wall = max(best_cpu, answered / watch.cpu()), max(best_wall, answered / watch.wall())
            spent += watch.cpu()
            if spent >= max_s:
                break
        return recall, best_cpu, best_wall, p + 1


def invlist_bytes(ivf):
    """Bytes of codes + 8-byte ids held in the inverted lists of an IVF index."""
    inv = ivf.invlists
    entries = sum(inv.list_size(i) for i in range(inv.nlist))
    return entries * inv.code_size, entries * 8


class Bench:
    def __init__(self, a, metric, base, queries, truth):
        self.a, self.base, self.queries, self.truth = a, base, queries, truth
        (self.n, self.d), self.ip, self.rows = base.shape, metric != "euclidean", []
        self.fm = faiss.METRIC_INNER_PRODUCT if self.ip else faiss.METRIC_L2

    def run(self, index, params, r, nprobe, code_b, id_b, fixed_b, refine, search):
        recall, qps, qps_wall, passes = measure(search, self.queries, self.truth, self.a.min_seconds,
                                                self.a.max_seconds)
        n, refine_b = self.n, (4 * self.d if refine else 0)
        row = dict(index=index, params=params, r=r, nprobe=nprobe, candidates=K * r,
                   code_bytes=code_b / n, id_bytes=id_b / n, fixed_bytes=fixed_b / n,
                   bytes_per_vector=(code_b + id_b + fixed_b) / n, refine_store_bytes=refine_b,
                   bytes_with_refine=(code_b + id_b + fixed_b) / n + refine_b,
                   recall10=recall, qps_cpu=qps, qps_wall=qps_wall, timed_passes=passes)
        self.rows.append(row)
        print(f"{index:9} {params:34} r={r:<2} nprobe={nprobe or '-':<3} B/vec={row['bytes_per_vector']:8.2f}"
              f" recall={recall:.4f} qps_cpu={qps:9,.0f} qps_wall={qps_wall:9,.0f}", flush=True)

    def rescore(self, q, cand):
        """Top 10 of the candidate ids (-1 = none) by exact distance, with FAISS's by_idx kernels."""
        nq, kk = cand.shape
        cand = np.ascontiguousarray(cand, dtype=np.int64)
        dis = np.full((nq, kk), -np.inf if self.ip else np.inf, dtype=np.float32)
        fn = faiss.fvec_inner_products_by_idx if self.ip else faiss.fvec_L2sqr_by_idx
        fn(faiss.swig_ptr(dis), faiss.swig_ptr(q), faiss.swig_ptr(self.base), faiss.swig_ptr(cand),
           self.d, nq, kk)
        order = np.argsort(-dis if self.ip else dis, axis=1, kind="stable")[:, :K]
        return np.take_along_axis(cand, order, axis=1)

    def flat(self):
        index = faiss.IndexFlat(self.d, self.fm)
        index.add(self.base)
        self.run("flat", "IndexFlat exact", 1, 0, 4 * self.d * self.n, 0, 0, False,
                 lambda q: index.search(q, K)[1])

    def binary(self, sample):
        a, n, d = self.a, self.n, self.d
        lsh = faiss.IndexLSH(d, d, True, True)
        if self.ip:
            lsh.metric_type = faiss.METRIC_INNER_PRODUCT  # LSH ignores it; IndexRefineFlat rescoring uses it
        w = Stopwatch()
        lsh.train(sample)
        lsh.add(self.base)
        print(f"build lsh-flat: {w.cpu():.1f} CPU s", flush=True)
        code_b = faiss.vector_to_array(lsh.codes).size
        enc_b = 4 * (lsh.rrot.A.size() + lsh.rrot.b.size() + lsh.thresholds.size())
        refine = faiss.IndexRefineFlat(lsh, faiss.swig_ptr(self.base))
        for r in a.rs:
            refine.k_factor = r
            self.run("lsh-flat", f"IndexLSH nbits={d} +IndexRefineFlat", r, 0, code_b, 0, enc_b, r > 1,
                     (lambda q: refine.search(q, K)[1]) if r > 1 else (lambda q: lsh.search(q, K)[1]))
        del refine
        codes = lsh.sa_encode(self.base)
        assert np.array_equal(codes.ravel(), faiss.vector_to_array(lsh.codes))
        bf = faiss.IndexBinaryFlat(d)
        bf.add(codes)
        for r in a.rs:
            self.run("bin-flat", f"IndexBinaryFlat {d} bits +by_idx rescore", r, 0, bf.ntotal * bf.code_size, 0,
                     enc_b, r > 1, lambda q: self.rescore(q, bf.search(lsh.sa_encode(q), K * r)[1]))
        del bf
        nlist = max(1, round(n ** 0.5))
        bivf = faiss.IndexBinaryIVF(faiss.IndexBinaryFlat(d), d, nlist)
        bivf.cp.niter, bivf.cp.seed = a.iterations, a.seed
        w = Stopwatch()
        bivf.train(codes[: len(sample)])
        bivf.add(codes)
        print(f"build bin-ivf: {w.cpu():.1f} CPU s", flush=True)
        del codes
        c_b, i_b = invlist_bytes(bivf)
        fixed_b = enc_b + nlist * bivf.code_size
        for nprobe in a.bin_ivf_nprobes:
            bivf.nprobe = nprobe
            for r in a.bin_ivf_rs:
                self.run("bin-ivf", f"IndexBinaryIVF nlist={nlist} +by_idx rescore", r, nprobe, c_b, i_b, fixed_b,
                         r > 1, lambda q: self.rescore(q, bivf.search(lsh.sa_encode(q), K * r)[1]))

    def ivfpq(self, sample):
        a, n, d = self.a, self.n, self.d
        nlist = max(1, round(n ** 0.5))
        quantizer = faiss.IndexFlat(d, self.fm)
        for m in (d // 8, d // 16):
            ivf = faiss.IndexIVFPQ(quantizer, d, nlist, m, 8, self.fm)
            ivf.cp.niter, ivf.cp.seed = a.iterations, a.seed
            ivf.pq.cp.niter, ivf.pq.cp.seed = a.iterations, a.seed
            w = Stopwatch()
            ivf.train(sample)  # the second m reuses the trained coarse quantiser (IndexIVF skips it)
            ivf.add(self.base)
            print(f"build ivfpq m={m}: {w.cpu():.1f} CPU s", flush=True)
            c_b, i_b = invlist_bytes(ivf)
            fixed_b = nlist * d * 4 + 4 * (ivf.pq.centroids.size() + ivf.precomputed_table.size())
            refine = faiss.IndexRefineFlat(ivf, faiss.swig_ptr(self.base))
            for nprobe in a.nprobes:
                ivf.nprobe = nprobe
                for r in a.rs:
                    refine.k_factor = r
                    self.run("ivfpq", f"IndexIVFPQ nlist={nlist} m={m}x8" + (" +IndexRefineFlat" if r > 1 else ""),
                             r, nprobe, c_b, i_b, fixed_b, r > 1,
                             (lambda q: refine.search(q, K)[1]) if r > 1 else (lambda q: ivf.search(q, K)[1]))
            del refine, ivf


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def write(a, name, b, header, footer):
    os.makedirs(a.results, exist_ok=True)
    path = os.path.join(a.results, f"faiss-memory-{name}")
    with open(path + ".csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(b.rows[0]))
        w.writeheader()
        for row in b.rows:
            w.writerow({k: (f"{v:.5g}" if isinstance(v, float) else v) for k, v in row.items()})
    with open(path + ".md", "w") as f:
        f.write(header + "\n\n| index | params | r | nprobe | bytes/vector in memory (no refine store) "
                "| of which codes+ids / fixed | with refine store | recall@10 | QPS/CPU-s | QPS wall |\n"
                "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n")
        for x in b.rows:
            f.write(f"| {x['index']} | {x['params']} | {x['r']} | {x['nprobe'] or '-'} | {x['bytes_per_vector']:.1f} "
                    f"| {x['code_bytes'] + x['id_bytes']:.0f} / {x['fixed_bytes']:.1f} | {x['bytes_with_refine']:.1f} "
                    f"| {x['recall10']:.4f} | {x['qps_cpu']:,.0f} | {x['qps_wall']:,.0f} |\n")
        f.write("\n" + footer + "\n")
    print(f"wrote {path}.csv and {path}.md", flush=True)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("data")
    p.add_argument("--queries", type=int, default=0, help="use only the first N queries (0 = all)")
    p.add_argument("--rs", type=ints, default=ints("1,2,4,8,16,32"))
    p.add_argument("--bin-ivf-rs", type=ints, default=ints("1,4,8,16,32"))
    p.add_argument("--nprobes", type=ints, default=ints("8,16,32,64"))
    p.add_argument("--bin-ivf-nprobes", type=ints, default=ints("8,16,32,64,128"))
    p.add_argument("--train-size", type=int, default=65536)
    p.add_argument("--iterations", type=int, default=25)
    p.add_argument("--min-seconds", type=float, default=1.0)
    p.add_argument("--max-seconds", type=float, default=6.0)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--only", default="flat,binary,ivfpq")
    p.add_argument("--results", default="bench/results")
    a = p.parse_args()
    faiss.omp_set_num_threads(1)
    load_start, total = loadavg(), Stopwatch()
    started = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())
    name, metric, base, queries, truth = load(a.data)
    if a.queries:
        queries, truth = queries[: a.queries], truth[: a.queries]
    if metric != "euclidean":
        base /= np.linalg.norm(base, axis=1, keepdims=True)
        queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    truth = truth[:, :K]
    n, d = base.shape
    header = (f"## FAISS memory-tier anchor: {name} ({n:,} x {d}, {metric}, {len(queries):,} queries)\n\n"
              f"faiss {faiss.__version__}, numpy {np.__version__}, python {sys.version.split()[0]}, faiss build '{faiss.get_compile_options()}', one thread; "
              f"started {started}; load average at start {load_start}.\n"
              f"Command: `/usr/bin/python3 -s bench/anchors/faiss_memory.py {' '.join(sys.argv[1:])}`")
    print(header, flush=True)
    b = Bench(a, metric, base, queries, truth)
    sample = np.ascontiguousarray(base[: min(a.train_size, n)])
    steps = dict(flat=b.flat, binary=lambda: b.binary(sample), ivfpq=lambda: b.ivfpq(sample))
    for step in a.only.split(","):
        steps[step]()
        write(a, os.path.basename(os.path.normpath(a.data)), b, header,
              f"(partial: after {step})")
    footer = (f"Load average at end {loadavg()}; script wall {total.wall() / 60:.1f} min, CPU {total.cpu() / 60:.1f} min. "
              f"r = oversampling (10*r candidates rescored exactly; r=1: no rescoring). Bits: IndexLSH "
              f"(FAISS random rotation + per-dimension training median). Bytes: codes+ids per vector plus fixed "
              f"structures amortised over n; refine store = 4*d = {4 * d} B/vector. See the script docstring.")
    write(a, os.path.basename(os.path.normpath(a.data)), b, header, footer)


if __name__ == "__main__":
    main()
