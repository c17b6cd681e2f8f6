/**
 * The production runtime: runs each protocol's event loop on its own thread with the real clock, timers, a
 * {@link java.security.SecureRandom}-seeded random source and a real {@link io.homeostat.runtime.threaded.Transport}.
 *
 * <p>This is the only engine package allowed to use threads, real time and {@code SecureRandom}; the protocols reach
 * them only through {@link io.homeostat.runtime.Environment}, which the simulator implements deterministically.
 *
 * <p>Entry point: {@link io.homeostat.runtime.threaded.ThreadedDriver}.
 */
package io.homeostat.runtime.threaded;
