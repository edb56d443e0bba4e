package io.vectorstream.bench.fuzz;

import io.vectorstream.schema.codec.WireFormat;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * What was done to a valid payload, one class per fuzz case. The weight is the class's share of the
 * cases; a class bound to one wire form only mutates seeds of that form.
 */
enum MutationClass {
    /** Unmutated: good traffic must keep working (accepted, answered without error). */
    VALID(10, null),
    BIT_FLIP(9, null),
    BYTE_REPLACE(7, null),
    TRUNCATE(7, null),
    EXTEND(5, null),
    INSERT(4, null),
    /** A prefix of one payload and the tail of another, of any topic and form. */
    SPLICE(5, null),
    /** Two to six byte-level mutations stacked. */
    HAVOC(6, null),
    /** An Avro length, block count, union/enum index or number replaced by a huge varint. */
    AVRO_VARINT(12, WireFormat.AVRO),
    /** Characters deleted, duplicated, swapped or inserted. */
    JSON_EDIT(4, WireFormat.JSON),
    JSON_WRONG_TYPE(4, WireFormat.JSON),
    JSON_HUGE_NUMBER(3, WireFormat.JSON),
    JSON_DEEP_NESTING(2, WireFormat.JSON),
    JSON_NAN(2, WireFormat.JSON),
    /** Invalid UTF-8, lone surrogates, control characters, duplicate keys, non-object documents. */
    JSON_BAD_TEXT(3, WireFormat.JSON),
    /** Well-formed payloads with out-of-range field values (every validator check). */
    BAD_VALUES(8, null),
    /** Kafka key missing, empty, of another id, not UTF-8 or huge. */
    KEY_MISMATCH(3, null),
    /** reply-to header absent, empty, naming a missing topic, illegal or not UTF-8. */
    REPLY_TO(2, null),
    /** Near and over {@code vectorstream.limits.max-record-bytes}, some over the broker's limit. */
    OVERSIZE(0.15, null);

    final double weight;

    /** The only wire form this class applies to, or null for both. */
    final WireFormat format;

    MutationClass(double weight, WireFormat format) {
        this.weight = weight;
        this.format = format;
    }

    /** The class's name as printed and as given to {@code --skip}/{@code --only}: "bit-flip". */
    String label() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    static MutationClass parse(String label) {
        for (MutationClass c : values()) {
            if (c.label().equals(label.trim())) {
                return c;
            }
        }
        List<String> labels = new ArrayList<>();
        for (MutationClass c : values()) {
            labels.add(c.label());
        }
        throw new IllegalArgumentException(
                "unknown mutation class '" + label + "'; classes: " + String.join(", ", labels));
    }

    /** The classes of a comma-separated list; an empty or null list gives none. */
    static Set<MutationClass> parseList(String list) {
        Set<MutationClass> out = EnumSet.noneOf(MutationClass.class);
        if (list != null && !list.isBlank()) {
            for (String label : list.split(",")) {
                out.add(parse(label));
            }
        }
        return out;
    }
}
