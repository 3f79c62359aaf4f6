package io.gantry.net.host;

import java.util.ArrayList;
import java.util.List;

/**
 * Idempotent iptables operations on Gantry's own chains. Gantry's rules live in chains named
 * {@code GANTRY-*}; the only rules outside them are the jumps into them, so cleanup is exact:
 * delete the jumps, flush and delete the chains.
 */
public final class Iptables {
    public static final String CHAIN_PREFIX = "GANTRY-";
    /** filter: isolation between networks, --internal, forwarding of container traffic. */
    public static final String FORWARD = "GANTRY-FORWARD";
    /** filter: DNS queries from a network only to its own gateway (each network sees only its own names). */
    public static final String INPUT = "GANTRY-INPUT";
    /** nat: outbound MASQUERADE, loopback and hairpin MASQUERADE. */
    public static final String POSTROUTING = "GANTRY-POSTROUTING";
    /** nat: DNAT of published ports (jumped to from PREROUTING and OUTPUT for local destinations). */
    public static final String PORTS = "GANTRY-PORTS";

    /** The jumps from built-in chains: table, chain, rule. */
    static final List<List<String>> JUMPS = List.of(
            List.of("filter", "FORWARD", "-j", FORWARD),
            List.of("filter", "INPUT", "-j", INPUT),
            List.of("nat", "POSTROUTING", "-j", POSTROUTING),
            List.of("nat", "PREROUTING", "-m", "addrtype", "--dst-type", "LOCAL", "-j", PORTS),
            List.of("nat", "OUTPUT", "-m", "addrtype", "--dst-type", "LOCAL", "-j", PORTS));

    private final HostCommands node;

    public Iptables(HostCommands node) {
        this.node = node;
    }

    /** Creates the chains and the jumps into them (once). */
    public void ensureChains() {
        ensureChain("filter", FORWARD);
        ensureChain("filter", INPUT);
        ensureChain("nat", POSTROUTING);
        ensureChain("nat", PORTS);
        // Before any per-network rule: replies of allowed connections, and published ports (DNAT'ed
        // traffic) from anywhere, including other Gantry networks, pass; isolation only stops new
        // connections straight from one network into another.
        List<List<String>> head = List.of(
                List.of("-m", "conntrack", "--ctstate", "RELATED,ESTABLISHED", "-j", "ACCEPT"),
                List.of("-o", NetNames.LINK_PREFIX + "+", "-m", "conntrack", "--ctstate", "DNAT", "-j", "ACCEPT"));
        for (int i = head.size() - 1; i >= 0; i--) {
            if (!exists("filter", FORWARD, head.get(i))) {
                ipt("filter", "-I", FORWARD, head.get(i));
            }
        }
        for (List<String> j : JUMPS) {
            List<String> rule = j.subList(2, j.size());
            if (!exists(j.get(0), j.get(1), rule)) {
                // filter: insert first so a host policy or other tools' rules do not pre-empt isolation.
                ipt(j.get(0), j.get(0).equals("filter") ? "-I" : "-A", j.get(1), rule);
            }
        }
    }

    private void ensureChain(String table, String chain) {
        if (!node.tryRun("iptables", "-w", "-t", table, "-n", "-L", chain).ok()) {
            node.run("iptables", "-w", "-t", table, "-N", chain);
        }
    }

    /** Appends the rule unless an identical one exists. */
    public void ensureRule(String table, String chain, List<String> rule) {
        if (!exists(table, chain, rule)) {
            ipt(table, "-A", chain, rule);
        }
    }

    public boolean exists(String table, String chain, List<String> rule) {
        List<String> argv = new ArrayList<>(List.of("iptables", "-w", "-t", table, "-C", chain));
        argv.addAll(rule);
        return node.tryRun(argv.toArray(String[]::new)).ok();
    }

    private void ipt(String table, String op, String chain, List<String> rule) {
        List<String> argv = new ArrayList<>(List.of("iptables", "-w", "-t", table, op, chain));
        argv.addAll(rule);
        node.run(argv.toArray(String[]::new));
    }

    /** Deletes every rule of a Gantry chain that carries the owner's comment. */
    public void deleteByComment(String table, String chain, String comment) {
        for (List<String> rule : rules(table, chain)) {
            int i = rule.indexOf("--comment");
            if (i >= 0 && i + 1 < rule.size() && rule.get(i + 1).equals(comment)) {
                node.tryRun(concat(List.of("iptables", "-w", "-t", table, "-D", chain), rule));
            }
        }
    }

    /** The rules of a chain as -S prints them, without the leading "-A CHAIN". */
    public List<List<String>> rules(String table, String chain) {
        HostCommands.Result r = node.tryRun("iptables", "-w", "-t", table, "-S", chain);
        List<List<String>> out = new ArrayList<>();
        if (!r.ok()) {
            return out;
        }
        for (String line : r.stdout().split("\n")) {
            List<String> tokens = new ArrayList<>();
            for (String t : line.strip().split("\\s+")) {
                if (!t.isEmpty()) {
                    tokens.add(t.length() >= 2 && t.startsWith("\"") && t.endsWith("\"") ? t.substring(1, t.length() - 1) : t);
                }
            }
            if (tokens.size() >= 2 && tokens.get(0).equals("-A")) {
                out.add(tokens.subList(2, tokens.size()));
            }
        }
        return out;
    }

    /** Names of all GANTRY-* chains in a table. */
    public List<String> gantryChains(String table) {
        HostCommands.Result r = node.tryRun("iptables", "-w", "-t", table, "-S");
        List<String> out = new ArrayList<>();
        if (r.ok()) {
            for (String line : r.stdout().split("\n")) {
                String[] t = line.strip().split("\\s+");
                if (t.length == 2 && t[0].equals("-N") && t[1].startsWith(CHAIN_PREFIX)) {
                    out.add(t[1]);
                }
            }
        }
        return out;
    }

    /** Every rule anywhere in the table that mentions a GANTRY- chain or a gantry: comment. */
    public List<String> gantryMentions(String table) {
        HostCommands.Result r = node.tryRun("iptables", "-w", "-t", table, "-S");
        List<String> out = new ArrayList<>();
        if (r.ok()) {
            for (String line : r.stdout().split("\n")) {
                if (line.contains(CHAIN_PREFIX) || line.contains("gantry:")) {
                    out.add(line.strip());
                }
            }
        }
        return out;
    }

    /** Removes the jumps and the chains: afterwards iptables holds nothing of Gantry's. */
    public void removeAll() {
        for (List<String> j : JUMPS) {
            List<String> rule = j.subList(2, j.size());
            while (exists(j.get(0), j.get(1), rule)) {
                ipt(j.get(0), "-D", j.get(1), rule);
            }
        }
        for (String table : List.of("filter", "nat")) {
            List<String> chains = gantryChains(table);
            for (String c : chains) {
                node.tryRun("iptables", "-w", "-t", table, "-F", c);
            }
            for (String c : chains) {
                node.tryRun("iptables", "-w", "-t", table, "-X", c);
            }
        }
    }

    private static String[] concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all.toArray(String[]::new);
    }
}
