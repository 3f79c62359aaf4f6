package io.gantry.ctl.cmd;

import com.google.protobuf.ByteString;
import io.gantry.ctl.Main;
import io.gantry.ctl.cli.CliException;
import io.gantry.ctl.cli.NodeSession;
import io.gantry.ctl.cli.SchedulerClient;
import io.gantry.proto.CopyOp;
import io.gantry.proto.SessionFrame;
import io.gantry.proto.SessionOpen;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code gantry cp}: files between this machine and a container on any node, as a tar stream through the
 * scheduler. The agent resolves container paths inside the container's root (a link planted there never leads
 * out); here, what arrives is unpacked by {@link LocalTar}, which never writes outside the destination.
 */
@Command(name = "cp", description = "Copy files/folders between a container and the local filesystem.%n"
        + "  gantry cp [-L] CONTAINER:SRC_PATH DEST_PATH|-%n  gantry cp [-L] SRC_PATH|- CONTAINER:DEST_PATH")
public final class CpCommand implements Callable<Integer> {
    private static final int CHUNK = 64 * 1024;

    @ParentCommand
    Main main;

    @Option(names = {"-L", "--follow-link"}, description = "Always follow symbol link in SRC_PATH")
    boolean followLink;

    @Parameters(index = "0", paramLabel = "SRC")
    String source;

    @Parameters(index = "1", paramLabel = "DEST")
    String destination;

    /** {@code CONTAINER:PATH}, or a local path (which may contain ':' when it starts with / or .). */
    record Location(String container, String path) {
        static Location parse(String arg) {
            int colon = arg.indexOf(':');
            if (colon <= 0 || arg.startsWith("/") || arg.startsWith(".")) {
                return new Location(null, arg);
            }
            String path = arg.substring(colon + 1);
            return new Location(arg.substring(0, colon), path.isEmpty() ? "/" : path);
        }

        boolean inContainer() {
            return container != null;
        }
    }

    @Override
    public Integer call() throws Exception {
        Location src = Location.parse(source);
        Location dst = Location.parse(destination);
        if (src.inContainer() == dst.inContainer()) {
            throw new CliException(src.inContainer() ? "copying between containers is not supported"
                    : "must specify at least one container source", RunCommand.EXIT_GANTRY_ERROR);
        }
        try (SchedulerClient client = main.connect()) {
            if (src.inContainer()) {
                copyFrom(client, src, dst.path());
            } else {
                copyTo(client, src.path(), dst);
            }
        }
        return 0;
    }

    private void copyFrom(SchedulerClient client, Location src, String dest) throws Exception {
        Path spool = Files.createTempFile("gantry-cp-", ".tar");
        try {
            try (OutputStream spoolOut = Files.newOutputStream(spool);
                 NodeSession session = NodeSession.open(client, SessionOpen.newBuilder().setContainer(src.container())
                         .setCopyFrom(CopyOp.newBuilder().setPath(src.path()).setFollowLink(followLink)).build(), f -> {
                     if (f.hasData()) {
                         try {
                             f.getData().writeTo(spoolOut);
                         } catch (IOException e) {
                             throw new UncheckedIOException(e);
                         }
                     }
                 })) {
                session.await();
            }
            if (dest.equals("-")) {
                Files.copy(spool, System.out);
                System.out.flush();
                return;
            }
            try (InputStream in = Files.newInputStream(spool)) {
                LocalTar.extract(in, Path.of(dest));
            }
        } finally {
            Files.deleteIfExists(spool);
        }
    }

    private void copyTo(SchedulerClient client, String localSource, Location dst) throws Exception {
        Path spool = Files.createTempFile("gantry-cp-", ".tar");
        try {
            if (localSource.equals("-")) {
                Files.copy(System.in, spool, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                send(client, dst.container(), dst.path(), spool);
                return;
            }
            Path source = Path.of(localSource);
            if (!Files.exists(source, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                throw new CliException("could not find the file " + localSource + " on this machine");
            }
            String name = source.toAbsolutePath().normalize().getFileName() == null ? "."
                    : source.toAbsolutePath().normalize().getFileName().toString();
            try (OutputStream out = Files.newOutputStream(spool)) {
                LocalTar.write(source, name, followLink, out);
            }
            try {
                send(client, dst.container(), dst.path(), spool);
            } catch (CliException e) {
                // DEST does not exist: Docker then copies SRC to that name, in DEST's parent (which must exist).
                if (dst.path().endsWith("/") || !e.getMessage().toLowerCase(java.util.Locale.ROOT).contains("could not find")) {
                    throw e;
                }
                Path target = Path.of(dst.path());
                Path parent = target.getParent() == null ? Path.of("/") : target.getParent();
                try (OutputStream out = Files.newOutputStream(spool)) {
                    LocalTar.write(source, target.getFileName().toString(), followLink, out);
                }
                send(client, dst.container(), parent.toString(), spool);
            }
        } finally {
            Files.deleteIfExists(spool);
        }
    }

    private static void send(SchedulerClient client, String container, String path, Path tar) throws Exception {
        try (NodeSession session = NodeSession.open(client, SessionOpen.newBuilder().setContainer(container)
                .setCopyTo(CopyOp.newBuilder().setPath(path)).build(), f -> { });
             InputStream in = Files.newInputStream(tar)) {
            byte[] buf = new byte[CHUNK];
            int n;
            while ((n = in.readNBytes(buf, 0, buf.length)) > 0 && !session.isDone()) {
                session.send(SessionFrame.newBuilder().setData(ByteString.copyFrom(buf, 0, n)).build());
            }
            session.send(SessionFrame.newBuilder().setStdinEof(true).build());
            session.await();
        }
    }
}
