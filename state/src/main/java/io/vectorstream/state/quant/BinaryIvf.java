package io.vectorstream.state.quant;

import io.vectorstream.state.Interruption;
import io.vectorstream.state.format.CorruptIndexException;
import io.vectorstream.state.format.MetricCodes;
import io.vectorstream.state.kmeans.KMeans;
import io.vectorstream.state.search.AcceptSet;
import io.vectorstream.state.search.ScoredNodes;
import io.vectorstream.state.search.TopK;
import io.vectorstream.state.vector.Metric;
import io.vectorstream.state.vector.VectorMath;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Objects;

/**
 * One-bit codes of a segment's vectors in inverted lists, after Milvus's IVF_RABITQ: each vector is
 * coded around its list's centroid ({@link BinaryQuantizer} explains the code and its estimate),
 * and a query probes its {@code nprobe} nearest lists and ranks their vectors by the estimate. The
 * estimates are meant to be rescored: the caller reads the full vectors of the best candidates
 * (oversampling) and scores them exactly. Per vector the heap holds its code ({@code dim / 8}
 * bytes, rounded up to whole longs), three correction floats and its ordinal.
 *
 * <p>Immutable once built or read; {@link #search} allocates its own per-query tables, so searches
 * may run concurrently. The rotation is not stored: it is drawn again from its seed (and shared
 * between the indices of one seed and dimension), so a read never recomputes a code.
 */
public final class BinaryIvf {

    static final int MAGIC = 0x56534249; // "VSBI"
    static final int VERSION = 1;

    /**
     * Largest dimension coded: the rotation is a dense dim × dim matrix (16 MiB at 2,048) drawn by
     * Gram-Schmidt in O(dim³), so larger vectors have no binary tier.
     */
    public static final int MAX_DIMENSION = 2048;

    /** Whether vectors of {@code dim} components can be coded. */
    public static boolean supports(int dim) {
        return dim >= 1 && dim <= MAX_DIMENSION;
    }

    private final int dim;
    private final int words;
    private final Metric metric;
    private final long rotationSeed;
    private final float[] rotation;
    private final int nlist;

    /**
     * nlist × dim, rotated: the rotation keeps inner products and distances, so the centroids are
     * scored against the rotated query and never kept unrotated.
     */
    private final float[] rotatedCentroids;

    /**
     * List l's entries are positions {@code listStart[l] .. listStart[l+1]} of the arrays below.
     */
    private final int[] listStart;

    private final int[] ordinals;
    private final long[] bits;

    /** Per entry: ‖x − c‖, ⟨b, x̂⟩, ⟨x − c, c⟩ (see {@link BinaryQuantizer}). */
    private final float[] norms;

    private final float[] factors;
    private final float[] offsets;

    private BinaryIvf(
            int dim,
            Metric metric,
            long rotationSeed,
            int nlist,
            float[] rotatedCentroids,
            int[] listStart,
            int[] ordinals,
            long[] bits,
            float[] norms,
            float[] factors,
            float[] offsets) {
        this.dim = dim;
        this.words = (dim + 63) / 64;
        this.metric = metric;
        this.rotationSeed = rotationSeed;
        this.rotation = BinaryQuantizer.rotation(dim, rotationSeed);
        this.nlist = nlist;
        this.rotatedCentroids = rotatedCentroids;
        this.listStart = listStart;
        this.ordinals = ordinals;
        this.bits = bits;
        this.norms = norms;
        this.factors = factors;
        this.offsets = offsets;
    }

    /**
     * Codes {@code n} vectors (row after row in {@code vectors}) in {@code nlist} lists trained by
     * k-means on a seeded sample (at most 256 per list, as {@link KMeans} samples).
     *
     * @param vectors prepared for {@code metric} (unit length for cosine)
     * @param rotationSeed the rotation's seed: indices that share it share one rotation matrix
     */
    public static BinaryIvf train(
            float[] vectors,
            int n,
            int dim,
            Metric metric,
            int nlist,
            long seed,
            long rotationSeed) {
        if (n < 1 || (long) n * dim > vectors.length || nlist < 1) {
            throw new IllegalArgumentException(
                    n + " vectors of " + dim + " in " + nlist + " lists do not fit the array");
        }
        int lists = Math.min(nlist, n);
        float[] centroids = new KMeans(lists, 10, metric.normalises(), seed).train(vectors, n, dim);
        int[] assignment = new int[n];
        for (int i = 0; i < n; i++) {
            if ((i & 4095) == 0) {
                Interruption.check();
            }
            assignment[i] = KMeans.nearest(centroids, lists, dim, vectors, i * dim);
        }
        return encode(vectors, n, dim, metric, lists, centroids, assignment, rotationSeed);
    }

    /**
     * Codes {@code n} vectors in the lists given: vector i goes to list {@code assignment[i]} and
     * is coded around {@code centroids[assignment[i] * dim ..]}.
     */
    private static BinaryIvf encode(
            float[] vectors,
            int n,
            int dim,
            Metric metric,
            int nlist,
            float[] centroids,
            int[] assignment,
            long rotationSeed) {
        Objects.requireNonNull(metric, "metric");
        if (!supports(dim)) {
            throw new IllegalArgumentException(
                    "one-bit codes go up to " + MAX_DIMENSION + " dimensions, not " + dim);
        }
        if (centroids.length != nlist * dim || assignment.length != n) {
            throw new IllegalArgumentException("centroids or assignment do not fit");
        }
        int[] listStart = new int[nlist + 1];
        for (int a : assignment) {
            listStart[a + 1]++;
        }
        for (int l = 0; l < nlist; l++) {
            listStart[l + 1] += listStart[l];
        }
        int[] next = Arrays.copyOf(listStart, nlist);
        int[] ordinals = new int[n];
        for (int i = 0; i < n; i++) {
            ordinals[next[assignment[i]]++] = i;
        }
        int words = (dim + 63) / 64;
        long[] bits = new long[n * words];
        float[] norms = new float[n];
        float[] factors = new float[n];
        float[] offsets = new float[n];
        float[] rotation = BinaryQuantizer.rotation(dim, rotationSeed);
        float[] residual = new float[dim];
        float[] rotated = new float[dim];
        for (int p = 0; p < n; p++) {
            if ((p & 1023) == 0) {
                Interruption.check();
            }
            int i = ordinals[p];
            int c = assignment[i] * dim;
            double offset = 0;
            for (int j = 0; j < dim; j++) {
                residual[j] = vectors[i * dim + j] - centroids[c + j];
                offset += (double) residual[j] * centroids[c + j];
            }
            offsets[p] = (float) offset;
            rotate(rotation, dim, residual, 0, rotated, 0);
            long signs = BinaryQuantizer.signs(rotated, dim, bits, p * words);
            norms[p] = Float.intBitsToFloat((int) (signs >>> 32));
            factors[p] = Float.intBitsToFloat((int) signs);
        }
        float[] rotatedCentroids = new float[nlist * dim];
        for (int l = 0; l < nlist; l++) {
            rotate(rotation, dim, centroids, l * dim, rotatedCentroids, l * dim);
        }
        return new BinaryIvf(
                dim,
                metric,
                rotationSeed,
                nlist,
                rotatedCentroids,
                listStart,
                ordinals,
                bits,
                norms,
                factors,
                offsets);
    }

    public int size() {
        return ordinals.length;
    }

    public int dimension() {
        return dim;
    }

    public Metric metric() {
        return metric;
    }

    public int nlist() {
        return nlist;
    }

    /**
     * The best {@code k} accepted vectors by estimated internal score (higher is closer), best
     * first, from the {@code nprobe} lists whose centroids score best; all lists when the accept
     * set is no larger than what those lists hold on average, so a selective filter still finds its
     * k.
     *
     * @param accept the ordinals that may be returned, or null for all
     */
    public ScoredNodes search(float[] query, int k, int nprobe, AcceptSet accept) {
        if (query.length != dim) {
            throw new IllegalArgumentException(
                    "query has dimension " + query.length + ", codes have " + dim);
        }
        int probes = Math.min(nprobe, nlist);
        if (accept != null && (long) accept.count() * nlist <= (long) probes * size()) {
            probes = nlist;
        }
        float[] rotatedQuery = new float[dim];
        rotate(rotation, dim, query, 0, rotatedQuery, 0);
        int[] lists = nearestLists(rotatedQuery, probes);
        float queryNorm = metric == Metric.EUCLIDEAN ? VectorMath.dot(query, 0, query, 0, dim) : 0;
        Table table = new Table(dim);
        TopK top = new TopK(k);
        for (int l : lists) {
            int c = l * dim;
            table.fill(rotatedQuery, rotatedCentroids, c);
            float centerDot = VectorMath.dot(rotatedCentroids, c, rotatedQuery, 0, dim);
            float centerNorm =
                    metric == Metric.EUCLIDEAN
                            ? VectorMath.dot(rotatedCentroids, c, rotatedCentroids, c, dim)
                            : 0;
            for (int p = listStart[l]; p < listStart[l + 1]; p++) {
                int ordinal = ordinals[p];
                if (accept != null && !accept.accepts(ordinal)) {
                    continue;
                }
                float dot = table.dot(bits, p * words) * norms[p] / factors[p];
                float ip = dot + offsets[p] + centerDot;
                float score = ip;
                if (metric == Metric.EUCLIDEAN) {
                    // -‖x − q‖² with ‖x‖² = ‖x − c‖² + 2⟨x − c, c⟩ + ‖c‖².
                    float xNorm = norms[p] * norms[p] + 2 * offsets[p] + centerNorm;
                    score = 2 * ip - xNorm - queryNorm;
                }
                top.offer(score, ordinal);
            }
        }
        return ScoredNodes.of(top);
    }

    /** The lists whose centroids score best against the rotated query. */
    private int[] nearestLists(float[] rotatedQuery, int probes) {
        if (probes >= nlist) {
            int[] all = new int[nlist];
            Arrays.setAll(all, l -> l);
            return all;
        }
        TopK best = new TopK(probes);
        for (int l = 0; l < nlist; l++) {
            best.offer(metric.score(rotatedQuery, rotatedCentroids, l * dim, dim), l);
        }
        long[] drained = best.drainBestFirst();
        int[] lists = new int[drained.length];
        for (int i = 0; i < lists.length; i++) {
            lists[i] = TopK.unpackNode(drained[i]);
        }
        return lists;
    }

    /** {@code out[outOffset ..] = rotation × v[offset ..]}, one SIMD dot product per row. */
    private static void rotate(
            float[] rotation, int dim, float[] v, int offset, float[] out, int outOffset) {
        for (int r = 0; r < dim; r++) {
            out[outOffset + r] = VectorMath.dot(rotation, r * dim, v, offset, dim);
        }
    }

    /**
     * Estimated heap bytes: codes, correction terms, ordinals, list bounds and the (rotated)
     * centroids. Not the rotation, which the indices of one seed share: see {@link #rotationBytes}.
     */
    public long memoryBytes() {
        return 64
                + 8L * bits.length
                + 4L * (norms.length + factors.length + offsets.length + ordinals.length)
                + 4L * listStart.length
                + 4L * rotatedCentroids.length;
    }

    /** Heap bytes of the rotation the indices of one seed and dimension share. */
    public static long rotationBytes(int dim) {
        return 16 + 4L * dim * dim;
    }

    /** Big-endian: header, centroids, list bounds, ordinals, codes, correction terms. */
    public void write(OutputStream out) throws IOException {
        DataOutputStream data = new DataOutputStream(out);
        data.writeInt(MAGIC);
        data.writeInt(VERSION);
        data.writeInt(dim);
        data.writeByte(MetricCodes.code(metric));
        data.writeLong(rotationSeed);
        data.writeInt(nlist);
        data.writeInt(size());
        for (float f : rotatedCentroids) {
            data.writeFloat(f);
        }
        for (int s : listStart) {
            data.writeInt(s);
        }
        for (int o : ordinals) {
            data.writeInt(o);
        }
        for (long b : bits) {
            data.writeLong(b);
        }
        for (int p = 0; p < size(); p++) {
            data.writeFloat(norms[p]);
            data.writeFloat(factors[p]);
            data.writeFloat(offsets[p]);
        }
        data.flush();
    }

    /**
     * Reads what {@link #write} wrote, checking every count against what follows and the header
     * against what the caller expects before anything is drawn or allocated for it: the codes are
     * loaded, never recomputed.
     *
     * @throws CorruptIndexException if the data is not such an index, is inconsistent, or does not
     *     hold {@code size} vectors of {@code dim} under {@code metric}
     */
    public static BinaryIvf read(InputStream in, int dim, Metric metric, int size)
            throws IOException {
        DataInputStream data = new DataInputStream(in);
        if (data.readInt() != MAGIC || data.readInt() != VERSION) {
            throw new CorruptIndexException("not a one-bit code index, or of another version");
        }
        int storedDim = data.readInt();
        Metric storedMetric = MetricCodes.metric(data.readByte(), "corrupt one-bit codes");
        long rotationSeed = data.readLong();
        int nlist = data.readInt();
        int n = data.readInt();
        if (storedDim != dim || storedMetric != metric || n != size) {
            throw new CorruptIndexException(
                    "corrupt one-bit codes: "
                            + n
                            + " vectors of "
                            + storedDim
                            + " ("
                            + storedMetric
                            + ") where the segment has "
                            + size
                            + " of "
                            + dim
                            + " ("
                            + metric
                            + ")");
        }
        if (!supports(dim) || nlist < 1 || n < nlist) {
            throw new CorruptIndexException(
                    "corrupt one-bit codes: dimension " + dim + ", " + nlist + " lists, " + n);
        }
        // Each array is read in pieces, so a corrupt count fails at the end of the data instead
        // of allocating what it claims.
        float[] rotatedCentroids = readFloats(data, (long) nlist * dim);
        int[] listStart = readInts(data, nlist + 1L);
        int[] ordinals = readInts(data, n);
        long[] bits = readLongs(data, (long) n * ((dim + 63) / 64));
        float[] triples = readFloats(data, 3L * n);
        float[] norms = new float[n];
        float[] factors = new float[n];
        float[] offsets = new float[n];
        for (int p = 0; p < n; p++) {
            norms[p] = triples[3 * p];
            factors[p] = triples[3 * p + 1];
            offsets[p] = triples[3 * p + 2];
            // A zero or non-finite term would make every estimate of the list NaN or infinite.
            if (!(norms[p] >= 0 && factors[p] > 0)
                    || !Float.isFinite(norms[p])
                    || !Float.isFinite(factors[p])
                    || !Float.isFinite(offsets[p])) {
                throw new CorruptIndexException("corrupt one-bit codes: correction terms of " + p);
            }
        }
        for (float c : rotatedCentroids) {
            if (!Float.isFinite(c)) {
                throw new CorruptIndexException("corrupt one-bit codes: a centroid is not finite");
            }
        }
        if (listStart[0] != 0 || listStart[nlist] != n) {
            throw new CorruptIndexException("corrupt one-bit codes: list bounds do not cover " + n);
        }
        for (int l = 0; l < nlist; l++) {
            if (listStart[l] > listStart[l + 1]) {
                throw new CorruptIndexException("corrupt one-bit codes: list bounds decrease");
            }
        }
        boolean[] seen = new boolean[n];
        for (int o : ordinals) {
            if (o < 0 || o >= n || seen[o]) {
                throw new CorruptIndexException("corrupt one-bit codes: ordinal " + o);
            }
            seen[o] = true;
        }
        return new BinaryIvf(
                dim,
                metric,
                rotationSeed,
                nlist,
                rotatedCentroids,
                listStart,
                ordinals,
                bits,
                norms,
                factors,
                offsets);
    }

    private static final int READ_CHUNK = 1 << 16;

    private static float[] readFloats(DataInputStream in, long count) throws IOException {
        byte[] bytes = readBytes(in, count, Float.BYTES);
        float[] out = new float[(int) count];
        ByteBuffer.wrap(bytes).asFloatBuffer().get(out);
        return out;
    }

    private static int[] readInts(DataInputStream in, long count) throws IOException {
        byte[] bytes = readBytes(in, count, Integer.BYTES);
        int[] out = new int[(int) count];
        ByteBuffer.wrap(bytes).asIntBuffer().get(out);
        return out;
    }

    private static long[] readLongs(DataInputStream in, long count) throws IOException {
        byte[] bytes = readBytes(in, count, Long.BYTES);
        long[] out = new long[(int) count];
        ByteBuffer.wrap(bytes).asLongBuffer().get(out);
        return out;
    }

    /**
     * {@code count} values of {@code width} bytes, read in chunks so that a corrupt count fails at
     * the end of the data instead of allocating what it claims (big-endian, as written).
     */
    private static byte[] readBytes(DataInputStream in, long count, int width) throws IOException {
        checkCount(count * width);
        long total = count * width;
        byte[] out = new byte[(int) Math.min(total, READ_CHUNK)];
        int read = 0;
        while (read < total) {
            if (read == out.length) {
                out = Arrays.copyOf(out, (int) Math.min(total, 2L * out.length));
            }
            in.readFully(out, read, out.length - read);
            read = out.length;
        }
        return out;
    }

    private static void checkCount(long count) throws CorruptIndexException {
        if (count > Integer.MAX_VALUE - 8) {
            throw new CorruptIndexException("corrupt one-bit codes: " + count + " values");
        }
    }

    @Override
    public String toString() {
        return "BinaryIvf(" + size() + " vectors of " + dim + ", " + nlist + " lists)";
    }

    /**
     * One probed list's query, quantized to 4 bits a dimension as RaBitQ does: the residual R(q −
     * c) becomes {@code low + delta · u_j} with u_j in 0..15, kept as four bit planes, so that the
     * sum of the components whose code bit is set is {@code low · |b| + delta · Σ_t 2^t · |b ∧
     * plane_t|}: five popcounts per 64 dimensions instead of eight table lookups.
     */
    private static final class Table {
        private final int dim;
        private final int words;
        private final float[] residual;
        private final long[] planes;
        private final float scale;
        private float low;
        private float delta;
        private float total;

        Table(int dim) {
            this.dim = dim;
            this.words = (dim + 63) / 64;
            this.residual = new float[dim];
            this.planes = new long[4 * words];
            this.scale = (float) (1 / Math.sqrt(dim));
        }

        /** Quantizes R(q − c) = Rq − Rc. */
        void fill(float[] rotatedQuery, float[] rotatedCentroids, int c) {
            float min = Float.POSITIVE_INFINITY;
            float max = Float.NEGATIVE_INFINITY;
            double sum = 0;
            for (int j = 0; j < dim; j++) {
                float r = rotatedQuery[j] - rotatedCentroids[c + j];
                residual[j] = r;
                sum += r;
                min = Math.min(min, r);
                max = Math.max(max, r);
            }
            total = (float) sum;
            low = min;
            delta = max > min ? (max - min) / 15 : 0;
            java.util.Arrays.fill(planes, 0L);
            for (int j = 0; j < dim; j++) {
                int u = delta == 0 ? 0 : Math.round((residual[j] - min) / delta);
                long bit = 1L << (j & 63);
                int w = j >>> 6;
                for (int t = 0; t < 4; t++) {
                    if ((u & (1 << t)) != 0) {
                        planes[t * words + w] |= bit;
                    }
                }
            }
        }

        /** ⟨b, R(q − c)⟩ with b_j = ±1/√dim, for the code at {@code bits[offset ..]}. */
        float dot(long[] bits, int offset) {
            int ones = 0;
            int weighted = 0;
            for (int w = 0; w < words; w++) {
                long b = bits[offset + w];
                ones += Long.bitCount(b);
                weighted +=
                        Long.bitCount(b & planes[w])
                                + (Long.bitCount(b & planes[words + w]) << 1)
                                + (Long.bitCount(b & planes[2 * words + w]) << 2)
                                + (Long.bitCount(b & planes[3 * words + w]) << 3);
            }
            float set = low * ones + delta * weighted;
            return (2 * set - total) * scale;
        }
    }
}
