package io.gantry.ctl.cmd;

import io.gantry.ctl.cli.DockerUnits;
import io.gantry.proto.PullProgress;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@code pull} shows while nodes pull. On a terminal: a block per node, one line per layer, redrawn in place
 * (cursor up, erase line) as Docker draws it. Otherwise one plain line {@code NODE: LAYER: STATUS} per change of
 * status (no byte counts), so logs stay readable.
 */
final class PullDisplay {
    static final String ESC = "\u001b[";
    private static final int BAR_WIDTH = 50;

    private final PrintWriter out;
    private final boolean terminal;
    private final Map<String, Block> blocks = new LinkedHashMap<>();
    private int drawnLines;

    /** One node's state: its whole-image status line, a line per layer, the digest at the end. */
    private static final class Block {
        String status = "";
        final Map<String, PullProgress> layers = new LinkedHashMap<>();
        String digest = "";
    }

    PullDisplay(PrintWriter out, boolean terminal, List<String> nodes, String image) {
        this.out = out;
        this.terminal = terminal;
        for (String node : nodes) {
            Block b = new Block();
            b.status = "Pulling " + image;
            blocks.put(node, b);
        }
    }

    synchronized void progress(String node, PullProgress p) {
        Block b = blocks.computeIfAbsent(node, n -> new Block());
        if (terminal) {
            apply(b, p);
            redraw();
            return;
        }
        if (!p.getLayer().isEmpty()) {
            PullProgress before = b.layers.get(p.getLayer());
            if (before == null || !before.getStatus().equals(p.getStatus())) {
                out.println(node + ": " + p.getLayer() + ": " + p.getStatus());
            }
        } else if (!p.getStatus().isEmpty() && !p.getStatus().equals(b.status)) {
            out.println(node + ": " + p.getStatus());
        }
        apply(b, p);
        if (!p.getDigest().isEmpty()) {
            out.println(node + ": Digest: " + p.getDigest());
        }
        out.flush();
    }

    private static void apply(Block b, PullProgress p) {
        if (!p.getLayer().isEmpty()) {
            b.layers.put(p.getLayer(), p);
        } else if (!p.getStatus().isEmpty()) {
            b.status = p.getStatus();
        }
        if (!p.getDigest().isEmpty()) {
            b.digest = p.getDigest();
        }
    }

    /** Moves up over what was drawn and draws every block again, each line erased first. */
    private void redraw() {
        List<String> lines = lines();
        StringBuilder s = new StringBuilder();
        if (drawnLines > 0) {
            s.append(ESC).append(drawnLines).append('A');
        }
        for (String line : lines) {
            s.append('\r').append(ESC).append("2K").append(line).append('\n');
        }
        drawnLines = lines.size();
        out.print(s);
        out.flush();
    }

    /** The blocks as text (without terminal codes). */
    synchronized List<String> lines() {
        List<String> lines = new ArrayList<>();
        for (var e : blocks.entrySet()) {
            Block b = e.getValue();
            lines.add(e.getKey() + ": " + b.status);
            for (PullProgress p : b.layers.values()) {
                lines.add("  " + p.getLayer() + ": " + p.getStatus() + bar(p));
            }
            if (!b.digest.isEmpty()) {
                lines.add(e.getKey() + ": Digest: " + b.digest);
            }
        }
        return lines;
    }

    /** Docker's {@code [=====>     ]  1.2MB/3.4MB}, only while bytes move. */
    static String bar(PullProgress p) {
        if (p.getCurrent() <= 0 || p.getTotal() <= 0 || p.getCurrent() >= p.getTotal() && !p.getStatus().startsWith("Download")
                && !p.getStatus().startsWith("Extract")) {
            return p.getCurrent() > 0 && p.getTotal() <= 0 ? " " + DockerUnits.decimal(p.getCurrent()) : "";
        }
        int filled = (int) Math.min(BAR_WIDTH, p.getCurrent() * BAR_WIDTH / p.getTotal());
        String bar = filled >= BAR_WIDTH ? "=".repeat(BAR_WIDTH)
                : "=".repeat(Math.max(0, filled - 1)) + ">" + " ".repeat(BAR_WIDTH - Math.max(1, filled));
        return " [" + bar + "] " + DockerUnits.decimal(p.getCurrent()) + "/" + DockerUnits.decimal(p.getTotal());
    }
}
