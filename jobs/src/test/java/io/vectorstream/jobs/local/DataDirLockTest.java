package io.vectorstream.jobs.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One process per data directory: a second acquisition is refused at once, names the holder and
 * touches nothing; the lock goes with the holder's process, and a wipe keeps it.
 */
class DataDirLockTest {

    @TempDir Path dir;

    private Process holder;

    @AfterEach
    void stopHolder() throws Exception {
        if (holder != null) {
            holder.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void anotherProcessIsRefusedAtOnceWithTheHoldersPidAndNothingIsTouched() throws Exception {
        Path log = dir.resolve("logs/vectorstream.log");
        Files.createDirectories(log.getParent());
        Files.writeString(log, "the running system's log\n");
        Files.setLastModifiedTime(log, FileTime.fromMillis(1_000_000_000_000L));
        holder = holdInAnotherJvm(dir);
        String lockFileBefore = Files.readString(dir.resolve(DataDirLock.FILE_NAME));

        long t0 = System.nanoTime();
        assertThatThrownBy(() -> DataDirLock.acquire(dir, "second"))
                .isInstanceOf(DataDirLock.InUseException.class)
                .hasMessageContaining(dir.toAbsolutePath().toString())
                .hasMessageContaining("process " + holder.pid())
                .hasMessageContaining("(lock-holder " + dir + ")")
                .satisfies(
                        e ->
                                assertThat(((DataDirLock.InUseException) e).holderPid())
                                        .hasValue(holder.pid()));
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0))
                .as("refused without waiting")
                .isLessThan(2_000);

        assertThat(Files.readString(log)).isEqualTo("the running system's log\n");
        assertThat(Files.getLastModifiedTime(log).toMillis()).isEqualTo(1_000_000_000_000L);
        assertThat(Files.readString(dir.resolve(DataDirLock.FILE_NAME))).isEqualTo(lockFileBefore);
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString()))
                    .containsExactlyInAnyOrder("logs", DataDirLock.FILE_NAME);
        }
    }

    @Test
    void theLockGoesWithTheHoldersProcess() throws Exception {
        holder = holdInAnotherJvm(dir);
        holder.destroyForcibly().waitFor(10, TimeUnit.SECONDS);

        try (DataDirLock lock = DataDirLock.acquire(dir, "next")) {
            assertThat(Files.readString(dir.resolve(DataDirLock.FILE_NAME)))
                    .contains("pid=" + ProcessHandle.current().pid())
                    .contains("command=next");
        }
    }

    @Test
    void clearDeletesEverythingButTheLockWhichStaysHeld() throws Exception {
        Files.createDirectories(dir.resolve("kafka/kafka-logs"));
        Files.writeString(dir.resolve("kafka/kafka-logs/meta.properties"), "x");
        Files.writeString(dir.resolve("top.txt"), "x");
        try (DataDirLock lock = DataDirLock.acquire(dir, "fresh")) {
            lock.clear();
            try (var files = Files.list(dir)) {
                assertThat(files.map(p -> p.getFileName().toString()))
                        .containsExactly(DataDirLock.FILE_NAME);
            }
            // Still held against another process: the file was never deleted and re-created.
            Process other = tryLockInAnotherJvm(dir);
            assertThat(other.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(new String(other.getInputStream().readAllBytes(), StandardCharsets.UTF_8))
                    .contains("REFUSED")
                    .contains("process " + ProcessHandle.current().pid());
        }
    }

    @Test
    void thisProcessCannotTakeItTwice() throws Exception {
        try (DataDirLock first = DataDirLock.acquire(dir, "first")) {
            assertThatThrownBy(() -> DataDirLock.acquire(dir.resolve("."), "second"))
                    .isInstanceOf(DataDirLock.InUseException.class)
                    .hasMessageContaining("(first)");
            // The refusal left the first lock in force at the OS level too.
            Process other = tryLockInAnotherJvm(dir);
            assertThat(other.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(new String(other.getInputStream().readAllBytes(), StandardCharsets.UTF_8))
                    .contains("REFUSED");
        }
        DataDirLock.acquire(dir, "after close").close();
    }

    // ------------------------------------------------------------------------------ child JVMs

    /** A JVM holding the lock on {@code dir} until it is killed; returns once it holds it. */
    private static Process holdInAnotherJvm(Path dir) throws Exception {
        Process p = childJvm("hold", dir);
        BufferedReader out =
                new BufferedReader(
                        new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line = out.readLine();
        assertThat(line).as("the child JVM's first line").isEqualTo("LOCKED");
        return p;
    }

    /** A JVM that tries the lock once and prints LOCKED or REFUSED with the message. */
    private static Process tryLockInAnotherJvm(Path dir) throws Exception {
        return childJvm("try", dir);
    }

    private static Process childJvm(String mode, Path dir) throws Exception {
        return new ProcessBuilder(
                        List.of(
                                System.getProperty("java.home") + "/bin/java",
                                "-cp",
                                System.getProperty("java.class.path"),
                                LockInAnotherJvm.class.getName(),
                                mode,
                                dir.toString()))
                .redirectErrorStream(true)
                .start();
    }

    /** Entry point of the child JVM: {@code hold DIR} or {@code try DIR}. */
    public static final class LockInAnotherJvm {
        public static void main(String[] args) throws Exception {
            Path dir = Path.of(args[1]);
            try {
                DataDirLock.acquire(dir, "lock-holder " + dir);
                System.out.println("LOCKED");
            } catch (DataDirLock.InUseException e) {
                System.out.println("REFUSED " + e.getMessage());
                return;
            }
            System.out.flush();
            if (args[0].equals("hold")) {
                Thread.sleep(TimeUnit.MINUTES.toMillis(5));
            }
        }
    }
}
