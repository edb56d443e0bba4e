package io.vectorstream.jobs.local;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.stream.Stream;

/**
 * An exclusive lock on a data directory, so that one system at a time uses it: an OS file lock
 * ({@link FileChannel#tryLock()}) on {@code <dir>/vectorstream.lock}, which names its holder (pid,
 * command, start time) so a refused start can say who has the directory.
 *
 * <p>Taking the lock touches nothing in the directory but the lock file, and a refusal does not
 * even write that. The OS releases the lock when the holding process ends, however it ends, so a
 * crash leaves no stale lock; the file itself stays behind and is simply locked again. {@link
 * #clear()} empties the directory but keeps the lock file: deleting it would let another process
 * create and lock a new file of the same name while this one still runs.
 *
 * <p>The OS lock belongs to the process (POSIX record lock), and closing any other channel to the
 * file in the same process would release it; so a second acquisition in this JVM is refused from a
 * table of held directories without opening the file again. Thread-safe.
 */
public final class DataDirLock implements AutoCloseable {

    /** The lock file's name inside the data directory. */
    public static final String FILE_NAME = "vectorstream.lock";

    /** Directories this JVM holds, by absolute normalized path; guarded by the class. */
    private static final Map<Path, DataDirLock> HELD = new HashMap<>();

    private final Path dir;
    private final FileChannel channel;
    private final FileLock lock;
    private final Holder holder;

    private DataDirLock(Path dir, FileChannel channel, FileLock lock, Holder holder) {
        this.dir = dir;
        this.channel = channel;
        this.lock = lock;
        this.holder = holder;
    }

    /**
     * Locks {@code dir} (created if missing) for this process and records {@code command} as the
     * holder's name. Never waits: if another process holds the directory this throws at once.
     *
     * @throws InUseException if another process, or this one, holds the directory
     */
    public static synchronized DataDirLock acquire(Path dir, String command) throws IOException {
        Path key = dir.toAbsolutePath().normalize();
        DataDirLock mine = HELD.get(key);
        if (mine != null) {
            throw new InUseException(key, mine.holder);
        }
        Files.createDirectories(key);
        // No TRUNCATE_EXISTING: the file of a running holder must stay readable for the refusal.
        FileChannel channel =
                FileChannel.open(
                        key.resolve(FILE_NAME),
                        StandardOpenOption.CREATE,
                        StandardOpenOption.READ,
                        StandardOpenOption.WRITE);
        try {
            FileLock lock = channel.tryLock();
            if (lock == null) {
                throw new InUseException(key, Holder.read(channel));
            }
            Holder holder = Holder.of(ProcessHandle.current().pid(), command);
            holder.write(channel);
            DataDirLock held = new DataDirLock(key, channel, lock, holder);
            HELD.put(key, held);
            return held;
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /** The locked directory (absolute). */
    public Path directory() {
        return dir;
    }

    /** Deletes everything in the directory except the lock file, which stays locked. */
    public void clear() throws IOException {
        synchronized (DataDirLock.class) {
            if (HELD.get(dir) != this) {
                throw new IllegalStateException("the lock on " + dir + " was released");
            }
        }
        Path lockFile = dir.resolve(FILE_NAME);
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                if (!p.equals(dir) && !p.equals(lockFile)) {
                    Files.delete(p);
                }
            }
        }
    }

    /** Releases the lock (the file stays). Idempotent. */
    @Override
    public void close() throws IOException {
        synchronized (DataDirLock.class) {
            if (!HELD.remove(dir, this)) {
                return;
            }
        }
        try {
            lock.release();
        } finally {
            channel.close();
        }
    }

    /** The process holding a directory, as it wrote itself into the lock file. */
    record Holder(OptionalLong pid, String command, String since) {
        private static final String PID = "pid=";
        private static final String COMMAND = "command=";
        private static final String SINCE = "since=";

        static Holder of(long pid, String command) {
            return new Holder(
                    OptionalLong.of(pid), command.replaceAll("\\R", " "), Instant.now().toString());
        }

        void write(FileChannel channel) throws IOException {
            String text =
                    PID
                            + pid.orElseThrow()
                            + "\n"
                            + COMMAND
                            + command
                            + "\n"
                            + SINCE
                            + since
                            + "\n";
            channel.truncate(0);
            ByteBuffer bytes = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
            while (bytes.hasRemaining()) {
                channel.write(bytes, bytes.position());
            }
            channel.force(false);
        }

        /** Reads the holder through {@code channel}; blank fields if it has not written yet. */
        static Holder read(FileChannel channel) throws IOException {
            ByteBuffer buf = ByteBuffer.allocate((int) Math.min(channel.size(), 64 * 1024));
            while (buf.hasRemaining() && channel.read(buf, buf.position()) > 0) {
                // read on
            }
            List<String> lines =
                    new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8)
                            .lines()
                            .toList();
            OptionalLong pid =
                    field(lines, PID)
                            .filter(s -> s.matches("\\d+"))
                            .map(s -> OptionalLong.of(Long.parseLong(s)))
                            .orElse(OptionalLong.empty());
            return new Holder(
                    pid, field(lines, COMMAND).orElse(""), field(lines, SINCE).orElse(""));
        }

        private static Optional<String> field(List<String> lines, String prefix) {
            return lines.stream()
                    .filter(l -> l.startsWith(prefix))
                    .map(l -> l.substring(prefix.length()).trim())
                    .findFirst();
        }

        @Override
        public String toString() {
            if (pid.isEmpty()) {
                return "another process (it has not written its name into the lock file yet)";
            }
            return "process "
                    + pid.getAsLong()
                    + (command.isEmpty() ? "" : " (" + command + ")")
                    + (since.isEmpty() ? "" : ", since " + since);
        }
    }

    /** Thrown when another process (or this one) holds the data directory. */
    public static final class InUseException extends IOException {
        private static final long serialVersionUID = 1L;

        private final transient Holder holder;

        InUseException(Path dir, Holder holder) {
            super(dir + " is in use by " + holder);
            this.holder = holder;
        }

        /** The holder's pid, if it has written it. */
        public OptionalLong holderPid() {
            return holder.pid();
        }
    }
}
