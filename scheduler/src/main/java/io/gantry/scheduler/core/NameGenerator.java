package io.gantry.scheduler.core;

import java.util.List;
import java.util.function.Predicate;

/** Docker-like friendly names derived from the id, so the same id always gets the same name. */
public final class NameGenerator {
    private static final List<String> ADJECTIVES = List.of("brave", "calm", "eager", "fancy", "gentle", "happy",
            "jolly", "keen", "lucid", "merry", "nifty", "proud", "quiet", "rapid", "sharp", "witty");
    private static final List<String> NOUNS = List.of("ant", "bee", "crane", "dove", "eagle", "fox", "gecko",
            "heron", "ibis", "jay", "koala", "lynx", "moose", "newt", "otter", "panda");

    private NameGenerator() {}

    public static String forId(String id, Predicate<String> taken) {
        long bits = Long.parseLong(id, 16);
        String base = ADJECTIVES.get((int) (bits & 15)) + "_" + NOUNS.get((int) ((bits >>> 4) & 15));
        if (!taken.test(base)) {
            return base;
        }
        String withId = base + "_" + id.substring(0, 6);
        return taken.test(withId) ? base + "_" + id : withId;
    }
}
