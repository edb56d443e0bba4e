package io.vectorstream.operators.shard;

/** MurmurHash3 x86 32-bit (Austin Appleby's public-domain reference), seed 0 by default. */
public final class Murmur3 {

    private Murmur3() {}

    public static int hash32(byte[] data) {
        return hash32(data, 0);
    }

    public static int hash32(byte[] data, int seed) {
        final int c1 = 0xcc9e2d51;
        final int c2 = 0x1b873593;
        int h = seed;
        int blocks = data.length & ~3;
        for (int i = 0; i < blocks; i += 4) {
            int k =
                    (data[i] & 0xff)
                            | (data[i + 1] & 0xff) << 8
                            | (data[i + 2] & 0xff) << 16
                            | data[i + 3] << 24;
            k *= c1;
            k = Integer.rotateLeft(k, 15);
            k *= c2;
            h ^= k;
            h = Integer.rotateLeft(h, 13);
            h = h * 5 + 0xe6546b64;
        }
        int k = 0;
        switch (data.length & 3) {
            case 3:
                k ^= (data[blocks + 2] & 0xff) << 16;
            // fall through
            case 2:
                k ^= (data[blocks + 1] & 0xff) << 8;
            // fall through
            case 1:
                k ^= data[blocks] & 0xff;
                k *= c1;
                k = Integer.rotateLeft(k, 15);
                k *= c2;
                h ^= k;
                break;
            default:
                break;
        }
        h ^= data.length;
        h ^= h >>> 16;
        h *= 0x85ebca6b;
        h ^= h >>> 13;
        h *= 0xc2b2ae35;
        h ^= h >>> 16;
        return h;
    }
}
