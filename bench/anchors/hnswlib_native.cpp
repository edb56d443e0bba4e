// hnswlib (Debian's libhnswlib-dev headers) compiled for this CPU, as the fair native anchor for
// our HNSW: the python3-hnswlib and python3-faiss packages are built for baseline x86-64 (SSE
// only), while the JVM's Vector API uses AVX2/AVX-512. Same measurement as AnnBench/anchors.py:
// one thread; recall@k from one untimed pass; best of 3 timed passes of at least MIN_SECONDS of
// thread CPU time each. Appends rows to RESULTS/NAME.csv and NAME-build.csv (same columns).
//
//   g++ -O3 -march=native -DNDEBUG -o bench/target/hnswlib_native bench/anchors/hnswlib_native.cpp
//   bench/target/hnswlib_native DATA_DIR M EF_CONSTRUCTION EFS(csv) K MIN_SECONDS RESULTS NAME
#include <hnswlib/hnswlib.h>

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace {

std::vector<float> read_fvecs(const std::string& path, int& dim, size_t& n) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot open " + path);
    std::vector<float> out;
    int d;
    n = 0;
    while (in.read(reinterpret_cast<char*>(&d), 4)) {
        dim = d;
        size_t off = out.size();
        out.resize(off + d);
        in.read(reinterpret_cast<char*>(out.data() + off), 4L * d);
        n++;
    }
    return out;
}

std::vector<std::vector<int>> read_ivecs(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot open " + path);
    std::vector<std::vector<int>> out;
    int d;
    while (in.read(reinterpret_cast<char*>(&d), 4)) {
        std::vector<int> row(d);
        in.read(reinterpret_cast<char*>(row.data()), 4L * d);
        out.push_back(std::move(row));
    }
    return out;
}

std::string metric_of(const std::string& dir) {
    std::ifstream in(dir + "/dataset.properties");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("metric=", 0) == 0) return line.substr(7);
    }
    return "cosine";
}

double cpu_now() {
    timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

double wall_now() {
    timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 9) {
        std::cerr << "usage: " << argv[0]
                  << " DATA_DIR M EF_CONSTRUCTION EFS K MIN_SECONDS RESULTS NAME\n";
        return 2;
    }
    std::string dir = argv[1];
    int m = std::atoi(argv[2]), efc = std::atoi(argv[3]), k = std::atoi(argv[5]);
    double min_seconds = std::atof(argv[6]);
    std::string results = argv[7], name = argv[8];
    std::vector<int> efs;
    {
        std::stringstream ss(argv[4]);
        std::string tok;
        while (std::getline(ss, tok, ',')) efs.push_back(std::atoi(tok.c_str()));
    }
    int dim = 0, qdim = 0;
    size_t n = 0, nq = 0;
    std::vector<float> base = read_fvecs(dir + "/base.fvecs", dim, n);
    std::vector<float> queries = read_fvecs(dir + "/query.fvecs", qdim, nq);
    auto truth = read_ivecs(dir + "/groundtruth.ivecs");
    std::string metric = metric_of(dir);

    hnswlib::SpaceInterface<float>* space;
    if (metric == "euclidean")
        space = new hnswlib::L2Space(dim);
    else
        space = new hnswlib::InnerProductSpace(dim);  // cosine vectors are unit length
    auto* index = new hnswlib::HierarchicalNSW<float>(space, n, m, efc, 42);

    double c0 = cpu_now(), w0 = wall_now();
    for (size_t i = 0; i < n; i++) index->addPoint(base.data() + i * dim, i);
    double insert_s = cpu_now() - c0, wall_s = wall_now() - w0;
    std::string tmp = "/tmp/hnswlib_native_" + std::to_string(getpid()) + ".bin";
    index->saveIndex(tmp);
    struct stat st;
    stat(tmp.c_str(), &st);
    std::remove(tmp.c_str());
    double bytes_per_vector = double(st.st_size) / n;

    std::string algorithm = "hnswlib-native-hnsw";
    std::printf("\n#### %s (M=%d efConstruction=%d, g++ -O3 -march=native)\n\n"
                "| vectors | insert s | inserts/s | wall s | bytes/vector |\n|---:|---:|---:|---:|---:|\n"
                "| %zu | %.1f | %.0f | %.1f | %.0f |\n",
                algorithm.c_str(), m, efc, n, insert_s, n / insert_s, wall_s, bytes_per_vector);
    {
        std::ofstream b(results + "/" + name + "-build.csv");
        b << "algorithm,settings,vectors,train_s,insert_s,build_vectors_per_s,wall_s,"
             "bytes_per_vector,code_bytes_per_vector\n";
        b << algorithm << ",M=" << m << " efConstruction=" << efc << "," << n << ",0.000,"
          << insert_s << "," << n / insert_s << "," << wall_s << "," << bytes_per_vector << ",\n";
    }

    std::ofstream csv(results + "/" + name + ".csv");
    csv << "algorithm,param,recall,qps,qps_wall\n";
    std::printf("\n%s:\n\n| ef | recall | QPS (CPU time) | QPS (wall) |\n|---:|---:|---:|---:|\n",
                algorithm.c_str());
    size_t sink = 0;
    for (int ef : efs) {
        index->setEf(std::max(ef, k));
        long hits = 0;
        for (size_t q = 0; q < nq; q++) {
            auto res = index->searchKnn(queries.data() + q * dim, k);
            std::vector<size_t> found;
            while (!res.empty()) {
                found.push_back(res.top().second);
                res.pop();
            }
            for (int t = 0; t < k; t++)
                for (size_t f : found)
                    if (int(f) == truth[q][t]) {
                        hits++;
                        break;
                    }
        }
        double recall = double(hits) / (nq * k);
        double best_cpu = 0, best_wall = 0;
        for (int pass = 0; pass < 3; pass++) {
            long answered = 0;
            double pc = cpu_now(), pw = wall_now();
            do {
                for (size_t q = 0; q < nq; q++) {
                    auto res = index->searchKnn(queries.data() + q * dim, k);
                    sink += res.empty() ? 0 : res.top().second;
                }
                answered += nq;
            } while (cpu_now() - pc < min_seconds);
            best_cpu = std::max(best_cpu, answered / (cpu_now() - pc));
            best_wall = std::max(best_wall, answered / (wall_now() - pw));
        }
        std::printf("| %d | %.4f | %.0f | %.0f |\n", ef, recall, best_cpu, best_wall);
        std::fflush(stdout);
        csv << algorithm << "," << ef << "," << recall << "," << best_cpu << "," << best_wall << "\n";
    }
    if (sink == 42) std::printf(" ");
    return 0;
}
