package io.gantry.ctl.dev;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class SystemPackagesTest {
    @Test
    void onlyPackagesNotInstalledAreMissing() throws Exception {
        assertThat(SystemPackages.missing(List.of("dpkg", "gantry-no-such-package", "coreutils")))
                .containsExactly("gantry-no-such-package");
    }
}
