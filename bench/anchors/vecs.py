"""Readers for the files bench/data/* holds: .fvecs, .ivecs and dataset.properties."""

import os

import numpy as np


def read_fvecs(path):
    """All vectors of an .fvecs file (per row: little-endian int32 dim, dim float32) as float32."""
    raw = np.fromfile(path, dtype="<i4")
    if raw.size == 0:
        return np.zeros((0, 0), dtype=np.float32)
    dim = int(raw[0])
    rows = raw.reshape(-1, dim + 1)
    if not np.all(rows[:, 0] == dim):
        raise ValueError(f"{path}: rows of different dimensions")
    return np.ascontiguousarray(rows[:, 1:]).view("<f4").astype(np.float32, copy=False)


def read_ivecs(path):
    """All rows of an .ivecs file (per row: little-endian int32 length, then int32s)."""
    raw = np.fromfile(path, dtype="<i4")
    dim = int(raw[0])
    rows = raw.reshape(-1, dim + 1)
    if not np.all(rows[:, 0] == dim):
        raise ValueError(f"{path}: rows of different lengths")
    return np.ascontiguousarray(rows[:, 1:])


def read_properties(path):
    """The key=value lines of a Java .properties file (enough for dataset.properties)."""
    out = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line or line[0] in "#!":
                continue
            key, _, value = line.partition("=")
            out[key.strip()] = value.strip().replace("\\:", ":").replace("\\=", "=")
    return out


def load(data_dir):
    """(name, metric, base, queries, truth) of a data set directory."""
    info = read_properties(os.path.join(data_dir, "dataset.properties"))
    base = read_fvecs(os.path.join(data_dir, "base.fvecs"))
    queries = read_fvecs(os.path.join(data_dir, "query.fvecs"))
    truth = read_ivecs(os.path.join(data_dir, "groundtruth.ivecs"))
    return info.get("name", os.path.basename(data_dir)), info.get("metric", "cosine"), base, queries, truth
