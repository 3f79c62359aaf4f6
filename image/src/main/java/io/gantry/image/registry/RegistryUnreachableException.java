package io.gantry.image.registry;

import io.gantry.image.ImageException;

/** The registry could not be reached at all (as opposed to answering with an error). */
public class RegistryUnreachableException extends ImageException {
    public RegistryUnreachableException(String message, Throwable cause) {
        super(message, cause);
    }
}
