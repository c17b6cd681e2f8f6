package io.homeostat.jgroups;

/**
 * A configuration error of the JGroups transport: unknown stack, missing file, bad port range, bad property, unusable
 * credential. The message names the offending setting and how to fix it.
 */
public final class JGroupsConfigException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    public JGroupsConfigException(String message) {
        super(message);
    }

    public JGroupsConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
