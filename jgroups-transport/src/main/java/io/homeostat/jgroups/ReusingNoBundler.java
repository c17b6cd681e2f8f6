package io.homeostat.jgroups;

import org.jgroups.Message;
import org.jgroups.protocols.NoBundler;
import org.jgroups.util.ByteArrayDataOutputStream;

/**
 * JGroups' {@code no-bundler} (each message written to the socket at once, on the sending thread), but serializing
 * into an output buffer that each sending thread keeps, where JGroups 5.5's {@link NoBundler} allocates one sized to
 * every message: a second copy of every frame's bytes, about a quarter of a node loop's allocation in the L2
 * benchmark's mix (docs/BENCHMARKS.md, session 21). The shipped TCP stacks name it as their {@code bundler_type}.
 *
 * <p>Reusing the buffer once {@code send} returns is safe: the TCP transport's blocking connection has written the
 * bytes to the socket by then, and its non-blocking one queues a copy. A buffer that a large message grew past
 * {@link #MAX_KEPT_BYTES} is dropped after that message, so an idle thread holds at most that much.
 */
public final class ReusingNoBundler extends NoBundler {

    /** A new thread's buffer: most frames, and batches of a few, fit without growing it. */
    static final int INITIAL_BYTES = 2 * 1024;
    /** A thread keeps its buffer only while it is at most this large. */
    static final int MAX_KEPT_BYTES = 256 * 1024;

    private final ThreadLocal<ByteArrayDataOutputStream> buffers =
            ThreadLocal.withInitial(() -> new ByteArrayDataOutputStream(INITIAL_BYTES));

    /** JGroups creates it by name from the stack's {@code bundler_type}. */
    public ReusingNoBundler() {
    }

    @Override
    public void send(Message msg) throws Exception {
        ByteArrayDataOutputStream out = buffers.get();
        out.position(0);
        try {
            sendSingle(msg.dest(), msg, out);
        } finally {
            if (out.buffer().length > MAX_KEPT_BYTES) {
                buffers.remove();
            }
        }
    }

    /** The calling thread's buffer capacity (tests). */
    int bufferBytes() {
        return buffers.get().buffer().length;
    }
}
