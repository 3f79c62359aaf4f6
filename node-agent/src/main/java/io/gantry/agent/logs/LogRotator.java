package io.gantry.agent.logs;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Rotates a container's k8s-file log as Docker's json-file does with {@code max-size}/{@code max-file}.
 *
 * <p>Design: conmon itself caps the file ({@code --log-size-max}): past the cap it replaces {@code ctr.log} with
 * a new empty file (its "reopen": open {@code ctr.log.tmp}, rename it over {@code ctr.log}), which would drop
 * the old content. So the agent keeps a second hard link, {@code ctr.log.held}, to the file conmon writes; the
 * old content survives the replacement under that name, and {@link #check} (run every few tens of ms while the
 * container runs) shifts it in: {@code ctr.log.1 → .2 ...}, dropping files beyond {@code max-file}, then
 * {@code held → .1}, and links {@code held} to the new file. A file that outgrew the cap some other way (conmon
 * counts only what it wrote itself, not what a previous run left in the file) makes the agent ask conmon to
 * reopen through its control fifo ({@code "2 0 0\n"}, REOPEN_LOGS_EVENT), with the same result. While no agent
 * runs, conmon's cap still bounds the disk use (then only the held file and the live one survive).
 */
public final class LogRotator {
    /** conmon's control message type for "reopen the log files" (its config.h REOPEN_LOGS_EVENT). */
    private static final String REOPEN_LOGS = "2 0 0\n";

    private final Path log;
    private final Path ctlFifo;
    private final LogOptions options;
    /** The live file conmon was last asked to replace: asked once per file, so a hung conmon's fifo never fills up. */
    private Object askedFor;

    /** {@code ctlFifo}: conmon's control fifo. */
    public LogRotator(Path log, Path ctlFifo, LogOptions options) {
        this.log = log;
        this.ctlFifo = ctlFifo;
        this.options = options;
    }

    /**
     * One rotation step; {@code conmonRuns}: conmon may be asked to reopen (not after the container exited).
     * Cheap when nothing is to do: two stats. Not thread-safe: one caller at a time.
     */
    public void check(boolean conmonRuns) throws IOException {
        if (!options.rotates()) {
            return;
        }
        Path held = LogFiles.held(log);
        Object logKey = LogFiles.key(log);
        Object heldKey = LogFiles.key(held);
        if (heldKey != null && !heldKey.equals(logKey)) {
            shiftIn(log, held, options.maxFiles()); // conmon replaced ctr.log: the held file is complete
            heldKey = null;
        }
        if (logKey == null) {
            return;
        }
        if (heldKey == null) {
            try {
                Files.createLink(held, log);
            } catch (FileAlreadyExistsException | NoSuchFileException e) {
                return; // raced with another step or a removal
            }
        }
        if (conmonRuns && !logKey.equals(askedFor) && sizeOf(log) > options.maxSizeBytes()) {
            askedFor = logKey;
            askConmonToReopen(ctlFifo);
        }
    }

    /** Moves a completed file in as {@code .1}, shifting the older ones up and dropping those beyond {@code maxFiles}. */
    static void shiftIn(Path log, Path completed, int maxFiles) throws IOException {
        // Anything numbered maxFiles-1 or above goes (also left over from a larger max-file before).
        for (Path p : LogFiles.rotatedOldestFirst(log)) {
            int n = Integer.parseInt(p.getFileName().toString().substring(log.getFileName().toString().length() + 1));
            if (n >= maxFiles - 1) {
                Files.deleteIfExists(p);
            }
        }
        if (maxFiles <= 1) {
            Files.deleteIfExists(completed);
            return;
        }
        for (int n = maxFiles - 2; n >= 1; n--) {
            Path from = LogFiles.rotated(log, n);
            if (Files.exists(from)) {
                Files.move(from, LogFiles.rotated(log, n + 1), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        Files.move(completed, LogFiles.rotated(log, 1), StandardCopyOption.REPLACE_EXISTING);
    }

    /**
     * Writes the reopen message. Opened read-write: opening a fifo write-only blocks until someone reads it,
     * forever if conmon is gone; read-write never blocks, and a message nobody reads is dropped at close.
     */
    static void askConmonToReopen(Path ctlFifo) throws IOException {
        if (!Files.exists(ctlFifo)) {
            return;
        }
        try (FileChannel ch = FileChannel.open(ctlFifo, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(REOPEN_LOGS.getBytes(StandardCharsets.US_ASCII)));
        }
    }

    private static long sizeOf(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            return 0;
        }
    }
}
