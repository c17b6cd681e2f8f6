package io.homeostat.runtime;

/**
 * A protocol component: a single-threaded state machine driven by messages and timer ticks.
 *
 * <p>Handlers run one at a time on the node's event loop, so a protocol needs no locks. Everything it does to the outside
 * world goes through the {@link Environment} passed in: sends go to the outbox, timers to the driver.
 */
public interface Protocol {

    /** Called once when the node starts (or restarts after a crash, with fresh state). */
    void start(Environment env);

    /** A message from {@code from} arrived. */
    void onMessage(Environment env, Address from, Message message);

    /** A timer set with {@link Environment#setTimer} fired. */
    void onTimer(Environment env, Object tag);
}
