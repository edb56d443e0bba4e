package io.vectorstream.operators.message;

/**
 * A collection the control operator created ({@code Collection#toBytes()}), broadcast to every
 * decoder, which keeps it in broadcast state. Flink POJO.
 */
public class CatalogUpdate {
    public String name;
    public byte[] collection;

    public CatalogUpdate() {}

    public CatalogUpdate(String name, byte[] collection) {
        this.name = name;
        this.collection = collection;
    }
}
