package io.gantry.agent.runtime;

import static io.gantry.agent.RuntimeFixture.assignment;
import static io.gantry.agent.RuntimeFixture.newId;
import static io.gantry.agent.RuntimeFixture.sh;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gantry.agent.logs.LogFiles;
import io.gantry.agent.logs.LogReader;
import io.gantry.proto.Assignment;
import io.gantry.proto.ContainerState;
import io.gantry.proto.ContainerStatus;
import io.gantry.proto.LogEntry;
import io.gantry.proto.RestartPolicy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Log rotation and how long logs are kept, on real conmon. */
class ContainerLogsTest extends RealRuntimeTest {
    private ContainerStatus status(String id) {
        return runtime.status(id).orElseThrow();
    }

    private List<String> lines(String id, int tail) throws Exception {
        return new LogReader(runtime.logSource(id).orElseThrow().file()).tail(tail).stream()
                .map(LogEntry::getLine).map(b -> b.toStringUtf8()).toList();
    }

    private void awaitExited(String id) {
        await().atMost(Duration.ofSeconds(30)).until(() -> status(id).getState() == ContainerState.EXITED
                || status(id).getState() == ContainerState.FAILED);
    }

    @Test
    void rotationKeepsAtMostMaxFileFilesAndTailReturnsTheNewestLinesInOrder() throws Exception {
        String id = newId();
        // ~100 bytes per record, 4 KiB per file: about 40 lines a file, 10 rotations; paced so that the agent's
        // checks keep up (it would otherwise drop whole files, never reorder lines).
        runtime.run(assignment(id, sh("i=0; while [ $i -lt 400 ]; do printf 'line-%04d %s\\n' $i "
                + "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx; i=$((i+1)); usleep 2000; done")
                .putLogOptions("max-size", "4k").putLogOptions("max-file", "3").build()));
        awaitExited(id);
        assertEquals(0, status(id).getExitCode());
        Path log = ContainerPaths.of(fx.dataDir, id).log();
        List<Path> files = new ArrayList<>(LogFiles.rotatedOldestFirst(log));
        files.add(LogFiles.held(log));
        files.add(log);
        Set<Object> inodes = new HashSet<>();
        for (Path f : files) {
            if (Files.exists(f)) {
                inodes.add(Files.readAttributes(f, BasicFileAttributes.class).fileKey());
                assertTrue(Files.size(f) <= 4096, f + " is " + Files.size(f) + " bytes");
            }
        }
        assertTrue(inodes.size() <= 3, "at most 3 files: " + files);
        assertTrue(inodes.size() >= 2, "it did rotate: " + files);

        List<String> expected = IntStream.range(350, 400).mapToObj(i -> String.format("line-%04d %s", i, "x".repeat(46))).toList();
        assertEquals(expected, lines(id, 50));
        List<String> all = lines(id, -1);
        assertTrue(all.size() < 400 && all.size() > 60, all.size() + " lines kept");
        int first = Integer.parseInt(all.getFirst().substring(5, 9));
        assertEquals(IntStream.range(first, 400).mapToObj(i -> String.format("line-%04d %s", i, "x".repeat(46))).toList(), all,
                "what is kept is contiguous and in order");
    }

    @Test
    void aFileGrownPastMaxSizeAcrossRunsIsRotatedThroughConmonsControlFifo() throws Exception {
        String id = newId();
        // Each run writes ~3 KiB: under conmon's own cap (it counts only its run), over max-size together.
        runtime.run(assignment(id, sh("i=0; while [ $i -lt 30 ]; do printf 'run%s-%02d %s\\n' $(cat /proc/self/stat | cut -d' ' -f22) $i "
                + "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy; i=$((i+1)); done; sleep 0.5; exit 1")
                .putLogOptions("max-size", "4k").putLogOptions("max-file", "2")
                .setRestart(RestartPolicy.newBuilder().setMode(RestartPolicy.Mode.ON_FAILURE).setMaxRetries(1)).build()));
        await().atMost(Duration.ofSeconds(20)).until(() -> status(id).getRestartCount() == 1 && status(id).getState() == ContainerState.EXITED);
        Path log = ContainerPaths.of(fx.dataDir, id).log();
        assertEquals(List.of(LogFiles.rotated(log, 1)), LogFiles.rotatedOldestFirst(log), "rotated once the second run pushed it over");
        assertTrue(Files.size(log) < 4096, "the live file started afresh: " + Files.size(log));
        assertEquals(60, lines(id, -1).size(), "nothing lost");
    }

    @Test
    void logsOfEveryRunUnderTheRestartPolicyAreKept() throws Exception {
        String id = newId();
        runtime.run(assignment(id, sh("echo run-$(cat /proc/self/stat | cut -d' ' -f22); exit 1")
                .setRestart(RestartPolicy.newBuilder().setMode(RestartPolicy.Mode.ON_FAILURE).setMaxRetries(2)).build()));
        await().atMost(Duration.ofSeconds(20)).until(() -> status(id).getRestartCount() == 2 && status(id).getState() == ContainerState.EXITED);
        List<String> out = lines(id, -1);
        assertEquals(3, out.size(), out.toString());
        assertTrue(out.stream().allMatch(l -> l.startsWith("run-")), out.toString());
    }

    @Test
    void startingAStoppedContainerAppendsToItsLog() throws Exception {
        String id = newId();
        Assignment first = assignment(id, sh("echo first-run").build());
        runtime.run(first);
        awaitExited(id);
        // `gantry start`: the scheduler sends a newer placement of the same workload.
        Assignment second = first.toBuilder().setPlacementVersion(2).setSpec(sh("echo second-run").build()).build();
        runtime.replace(second, Duration.ofSeconds(5)).join();
        await().atMost(Duration.ofSeconds(20)).until(() -> runtime.status(id).map(s -> s.getPlacementVersion() == 2
                && s.getState() == ContainerState.EXITED).orElse(false));
        assertEquals(List.of("first-run", "second-run"), lines(id, -1));
        assertEquals(List.of("second-run"), lines(id, 1));

        runtime.remove(id).join();
        assertFalse(Files.exists(ContainerPaths.of(fx.dataDir, id).dir()), "removal takes the logs along");
    }

    @Test
    void logsAreKeptAfterExitAndAcrossAnAgentRestartUntilRemoved() throws Exception {
        String id = newId();
        runtime.run(assignment(id, sh("echo kept; echo also-kept >&2").putLogOptions("max-size", "1m").build()));
        awaitExited(id);
        runtime.close();
        runtime = fx.newRuntime();
        runtime.recover();
        assertEquals(ContainerState.EXITED, status(id).getState());
        assertEquals(List.of("kept", "also-kept"), lines(id, -1));
        runtime.remove(id).join();
        assertTrue(runtime.logSource(id).isEmpty());
        assertFalse(Files.exists(ContainerPaths.of(fx.dataDir, id).dir()));
    }

    @Test
    void aBadLogOptionIsAOneLineErrorAtCreate() {
        String id = newId();
        runtime.run(assignment(id, sh("true").putLogOptions("max-size", "ten megs").build()));
        awaitExited(id);
        assertEquals(ContainerState.FAILED, status(id).getState());
        assertEquals("invalid --log-opt max-size 'ten megs': expected a size such as 10m, 512k or 1g", status(id).getReason());
    }
}
