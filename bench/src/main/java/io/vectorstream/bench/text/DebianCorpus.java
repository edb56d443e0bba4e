package io.vectorstream.bench.text;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;

/**
 * The Debian package descriptions as a labelled retrieval set: one document per package that has a
 * long description (id = package name, text = the long description only, metadata {@code package}
 * and {@code section}), and as queries a seeded sample of those packages' synopses (the first line
 * of {@code Description}), each labelled with its package.
 *
 * <p>Input: {@code apt-cache dumpavail} output for the packages (name, section, synopsis, {@code
 * Description-md5}) and, optionally, apt's {@code Translation-en} files for the long descriptions:
 * a Debian {@code Packages} index carries only the synopsis and the md5 of the full description,
 * and the long description lives in {@code Translation-en} under the same md5 (apt only fetches it
 * with {@code Acquire::Languages} other than {@code none}, which Docker images set). A stanza whose
 * description continues in the {@code Packages} index itself (a few do) is taken as it is.
 *
 * <p>A long description's lines are joined with spaces, a line of {@code "."} ends a paragraph
 * (paragraphs are separated by a blank line in the text), and a line indented by more than one
 * space (verbatim, per Debian policy) starts a line of its own. Stateless.
 */
final class DebianCorpus {

    /** Most warm-up queries {@link #select} sets aside. */
    static final int WARMUP_POOL = 1000;

    private DebianCorpus() {}

    /** One package as the corpus sees it; {@code section} may be null. */
    record Package(String name, String section, String synopsis, String longDescription) {}

    /** A document to publish. */
    record Doc(String id, String text, Map<String, String> metadata, String synopsis) {}

    /** A query and the id of the one document that answers it. */
    record Query(String text, String answer) {}

    /** What {@link #read} found, for the report. */
    record ReadStats(
            int stanzas,
            int duplicateNames,
            int withSynopsis,
            int longInline,
            int longFromTranslations,
            int noLongDescription,
            int translationEntries) {}

    /** The packages read and how. */
    record Corpus(List<Package> packages, ReadStats stats) {}

    /**
     * The documents published and the queries asked.
     *
     * @param eligible packages with a long description (before {@code --docs} sampling)
     * @param sharedSynopsis documents whose synopsis another document shares (never a query)
     * @param sharedText documents whose text another document has too
     * @param queriesWithSharedText queries whose answer's text another document has too (such a
     *     query cannot tell its package from the other at rank 1 but by chance)
     * @param warmup unmeasured queries: synopses of other documents than the queries' (up to
     *     {@value #WARMUP_POOL}), or the queries themselves if there are none
     */
    record Selection(
            List<Doc> docs,
            List<Query> queries,
            List<Query> warmup,
            int eligible,
            int sharedSynopsis,
            int sharedText,
            int queriesWithSharedText) {}

    /**
     * Reads the packages of {@code packagesFile} (apt-cache dumpavail output), taking the long
     * descriptions from {@code translations} (Translation-en files, plain text) by description md5.
     * A package named twice keeps its first stanza.
     */
    static Corpus read(Path packagesFile, List<Path> translations) throws IOException {
        Map<String, String> longByMd5 = new HashMap<>();
        for (Path t : translations) {
            forEachStanza(
                    t,
                    s -> {
                        String md5 = first(s, "Description-md5");
                        List<String> desc = s.get("Description-en");
                        if (md5 != null && desc != null) {
                            longByMd5.putIfAbsent(md5, longDescription(desc));
                        }
                    });
        }
        Map<String, Package> byName = new LinkedHashMap<>();
        // stanzas, duplicate names, with a synopsis, long inline, long from translations, none
        int[] n = new int[6];
        forEachStanza(
                packagesFile,
                s -> {
                    String name = first(s, "Package");
                    if (name == null) {
                        return;
                    }
                    n[0]++;
                    if (byName.containsKey(name)) {
                        n[1]++;
                        return;
                    }
                    List<String> desc = s.get("Description");
                    if (desc == null) {
                        desc = s.get("Description-en");
                    }
                    String synopsis = desc == null ? "" : desc.get(0).trim();
                    if (synopsis.isEmpty()) {
                        return;
                    }
                    n[2]++;
                    String longText = longDescription(desc);
                    if (!longText.isEmpty()) {
                        n[3]++;
                    } else {
                        String md5 = first(s, "Description-md5");
                        longText = md5 == null ? "" : longByMd5.getOrDefault(md5, "");
                        n[longText.isEmpty() ? 5 : 4]++;
                    }
                    byName.put(name, new Package(name, first(s, "Section"), synopsis, longText));
                });
        return new Corpus(
                List.copyOf(byName.values()),
                new ReadStats(n[0], n[1], n[2], n[3], n[4], n[5], longByMd5.size()));
    }

    /**
     * The documents: the packages with a long description, sorted by name and shuffled with {@code
     * seed}, the first {@code maxDocs} of them (all if fewer). The queries: of those documents, the
     * ones whose synopsis no other document shares (compared case-insensitively, whitespace
     * collapsed), shuffled with another stream of the same seed, the first {@code maxQueries}; the
     * next ones are the warm-up queries.
     */
    static Selection select(List<Package> packages, int maxDocs, int maxQueries, long seed) {
        List<Package> eligible = new ArrayList<>();
        for (Package p : packages) {
            if (!p.longDescription().isEmpty()) {
                eligible.add(p);
            }
        }
        eligible.sort(Comparator.comparing(Package::name));
        Random random = new Random(seed);
        Collections.shuffle(eligible, random);
        List<Package> chosen = eligible.subList(0, Math.min(maxDocs, eligible.size()));

        List<Doc> docs = new ArrayList<>(chosen.size());
        Map<String, Integer> synopsisCount = new HashMap<>();
        Map<String, Integer> textCount = new HashMap<>();
        for (Package p : chosen) {
            Map<String, String> metadata = new LinkedHashMap<>();
            metadata.put("package", p.name());
            if (p.section() != null && !p.section().isEmpty()) {
                metadata.put("section", p.section());
            }
            docs.add(new Doc(p.name(), p.longDescription(), metadata, p.synopsis()));
            synopsisCount.merge(normalize(p.synopsis()), 1, Integer::sum);
            textCount.merge(p.longDescription(), 1, Integer::sum);
        }
        List<Doc> candidates = new ArrayList<>();
        int sharedSynopsis = 0;
        int sharedText = 0;
        for (Doc d : docs) {
            if (synopsisCount.get(normalize(d.synopsis())) == 1) {
                candidates.add(d);
            } else {
                sharedSynopsis++;
            }
            if (textCount.get(d.text()) > 1) {
                sharedText++;
            }
        }
        Collections.shuffle(candidates, new Random(random.nextLong()));
        int q = Math.min(maxQueries, candidates.size());
        List<Query> queries = new ArrayList<>();
        int queriesWithSharedText = 0;
        for (Doc d : candidates.subList(0, q)) {
            queries.add(new Query(d.synopsis(), d.id()));
            if (textCount.get(d.text()) > 1) {
                queriesWithSharedText++;
            }
        }
        List<Query> warmup = new ArrayList<>();
        for (Doc d : candidates.subList(q, Math.min(candidates.size(), q + WARMUP_POOL))) {
            warmup.add(new Query(d.synopsis(), d.id()));
        }
        return new Selection(
                List.copyOf(docs),
                List.copyOf(queries),
                List.copyOf(warmup.isEmpty() ? queries : warmup),
                eligible.size(),
                sharedSynopsis,
                sharedText,
                queriesWithSharedText);
    }

    static String normalize(String synopsis) {
        return synopsis.trim().replaceAll("\\s+", " ").toLowerCase(Locale.ROOT);
    }

    /**
     * The long description of a {@code Description} field given as its lines (the synopsis first,
     * then the continuation lines with their leading space); empty if it has none.
     */
    static String longDescription(List<String> lines) {
        StringBuilder out = new StringBuilder();
        StringBuilder paragraph = new StringBuilder();
        for (String raw : lines.subList(1, lines.size())) {
            String line = raw.strip();
            if (line.equals(".")) {
                flush(out, paragraph);
                continue;
            }
            if (line.isEmpty()) {
                continue;
            }
            if (paragraph.length() > 0) {
                // Two or more leading spaces: a verbatim line (a list item, code), on its own line.
                paragraph.append(raw.startsWith("  ") || raw.startsWith(" \t") ? '\n' : ' ');
            }
            paragraph.append(line);
        }
        flush(out, paragraph);
        return out.toString();
    }

    private static void flush(StringBuilder out, StringBuilder paragraph) {
        if (paragraph.length() > 0) {
            if (out.length() > 0) {
                out.append("\n\n");
            }
            out.append(paragraph);
            paragraph.setLength(0);
        }
    }

    /**
     * The stanzas of a Debian control file (blank-line separated, {@code Field: value} lines, lines
     * starting with a space or tab continuing the field before): per stanza, each field's first
     * line followed by its continuation lines as they are, given to {@code visit} one by one.
     */
    static void forEachStanza(Path file, Consumer<Map<String, List<String>>> visit)
            throws IOException {
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            Map<String, List<String>> stanza = new HashMap<>();
            List<String> field = null;
            String line;
            while ((line = in.readLine()) != null) {
                if (line.isBlank()) {
                    if (!stanza.isEmpty()) {
                        visit.accept(stanza);
                        stanza = new HashMap<>();
                    }
                    field = null;
                } else if (line.charAt(0) == ' ' || line.charAt(0) == '\t') {
                    if (field != null) {
                        field.add(line);
                    }
                } else {
                    int colon = line.indexOf(':');
                    if (colon <= 0) {
                        field = null; // not a field: ignore it and its continuations
                        continue;
                    }
                    field = new ArrayList<>(1);
                    field.add(line.substring(colon + 1).trim());
                    stanza.putIfAbsent(line.substring(0, colon), field);
                }
            }
            if (!stanza.isEmpty()) {
                visit.accept(stanza);
            }
        }
    }

    private static String first(Map<String, List<String>> stanza, String field) {
        List<String> v = stanza.get(field);
        return v == null || v.get(0).isEmpty() ? null : v.get(0);
    }
}
