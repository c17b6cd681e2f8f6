package io.homeostat.jgroups;

import io.homeostat.jgroups.FrameDecodeException.Cause;
import io.homeostat.runtime.Address;
import io.homeostat.runtime.Message;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The compact, versioned binary form of engine {@link Message}s, with their sender and destination.
 *
 * <p>Frame layout: magic {@code 0x48 0x53} ("HS"), format version (1 byte), schema fingerprint (8 bytes, big endian),
 * sender {@link Address}, destination {@link Address}, type id (varint), message body. The schema is derived by
 * reflection from the engine's sealed message hierarchies, so new or changed message records are carried without code
 * here; the fingerprint changes with them, and a frame from a build with another schema is rejected.
 *
 * <p>Batch layout ({@link #encodeBatch}): magic {@code 0x48 0x42} ("HB"), batch format version (1 byte), schema
 * fingerprint, frame count (varint, 1..{@link #MAX_BATCH_MESSAGES}), then per frame its length (varint) and its
 * sender, destination, type id and body: a frame without its header. A batch is bounded by {@link #maxFrameBytes()}
 * like a frame; {@link #decodeAny} takes either.
 *
 * <p>Decoding is bounded ({@link #maxFrameBytes()}, list length, string length, nesting depth), instantiates only the
 * registered records through their canonical constructors, and throws nothing but {@link FrameDecodeException} for
 * any malformed input. Thread-safe (each thread encodes into its own reused buffer).
 */
public final class MessageCodec {

    /** The format version written in every frame. */
    public static final int FORMAT_VERSION = 1;

    /** Default bound of a frame: twice the engine's 1 MiB default value limit, so a full value and its key fit. */
    public static final int DEFAULT_MAX_FRAME_BYTES = 2 * 1024 * 1024;
    /** Default bound of any list inside a message (the engine's largest state-transfer batch is 65,536 items). */
    public static final int DEFAULT_MAX_LIST_LENGTH = 65_536;
    /** Default bound of any string inside a message, in UTF-8 bytes. */
    public static final int DEFAULT_MAX_STRING_BYTES = 4_096;
    /** Default bound of record and list nesting. */
    public static final int DEFAULT_MAX_DEPTH = 32;

    /** The smallest accepted {@code maxFrameBytes}: the header plus a little. */
    public static final int MIN_MAX_FRAME_BYTES = 1_024;

    /** The format version written in every batch frame. */
    public static final int BATCH_FORMAT_VERSION = 1;
    /** The most frames in one batch, sent or accepted. */
    public static final int MAX_BATCH_MESSAGES = 1_024;

    static final int MAGIC_0 = 0x48;
    static final int MAGIC_1 = 0x53;
    static final int BATCH_MAGIC_1 = 0x42;
    static final int HEADER_BYTES = 2 + 1 + 8;

    /** An encoding buffer per thread is kept while it is at most this big (a larger one is dropped after use). */
    static final int SCRATCH_KEEP_BYTES = 64 * 1024;

    private final Schema schema = Schema.get();
    private final Schema.Limits limits;
    /** Per thread, so that encoding allocates only its result; never shared (encode does not call itself). */
    private final ThreadLocal<WireWriter> scratch;

    /** A codec with the default limits. */
    public MessageCodec() {
        this(DEFAULT_MAX_FRAME_BYTES);
    }

    /** A codec with the given frame bound and default list, string and depth limits. */
    public MessageCodec(int maxFrameBytes) {
        this(maxFrameBytes, DEFAULT_MAX_LIST_LENGTH, DEFAULT_MAX_STRING_BYTES, DEFAULT_MAX_DEPTH);
    }

    /**
     * @throws IllegalArgumentException if a limit is out of range; the message names it
     */
    public MessageCodec(int maxFrameBytes, int maxListLength, int maxStringBytes, int maxDepth) {
        if (maxFrameBytes < MIN_MAX_FRAME_BYTES) {
            throw new IllegalArgumentException("maxFrameBytes must be >= " + MIN_MAX_FRAME_BYTES + ", was "
                    + maxFrameBytes);
        }
        if (maxListLength < 1 || maxStringBytes < 1 || maxDepth < 4) {
            throw new IllegalArgumentException("maxListLength and maxStringBytes must be >= 1 and maxDepth >= 4, were "
                    + maxListLength + ", " + maxStringBytes + ", " + maxDepth);
        }
        this.limits = new Schema.Limits(maxFrameBytes, maxListLength, maxStringBytes, maxDepth);
        this.scratch = ThreadLocal.withInitial(() -> new WireWriter(1_024, maxFrameBytes));
    }

    /** A decoded frame. */
    public record Frame(Address from, Address to, Message message) {
        public Frame {
            Objects.requireNonNull(from, "from");
            Objects.requireNonNull(to, "to");
            Objects.requireNonNull(message, "message");
        }
    }

    public int maxFrameBytes() {
        return limits.maxFrameBytes();
    }

    /** The 64-bit hash of the wire schema this build speaks; frames carry it and must match. */
    public static long schemaFingerprint() {
        return Schema.get().fingerprint();
    }

    /** Every message record the codec carries, in type-id order. */
    public static List<Class<?>> messageTypes() {
        return Schema.get().messageTypes();
    }

    /**
     * Encodes one message.
     *
     * @throws IllegalArgumentException if {@code m} is not a registered message record, or the frame would exceed a
     *                                  limit (the message names it)
     */
    public byte[] encode(Address from, Address to, Message m) {
        Objects.requireNonNull(from, "from");
        Objects.requireNonNull(to, "to");
        Objects.requireNonNull(m, "m");
        int id = schema.idOf(m.getClass());
        if (id < 0) {
            throw new IllegalArgumentException(m.getClass().getName() + " is not a registered message type");
        }
        WireWriter out = scratch.get();
        try {
            out.writeByte(MAGIC_0);
            out.writeByte(MAGIC_1);
            out.writeByte(FORMAT_VERSION);
            out.writeFixedLong(schema.fingerprint());
            schema.addressCodec().write(out, from, limits);
            schema.addressCodec().write(out, to, limits);
            out.writeVarInt(id);
            schema.messageCodec(id).write(out, m, limits);
            return out.toByteArray();
        } finally {
            out.reset(SCRATCH_KEEP_BYTES); // empty for the next message, and a big buffer is not kept
        }
    }

    /**
     * Packs frames made by {@link #encode} into one batch frame, in order. The batch carries each frame without its
     * header (the batch has one) but with its length; {@link #batchBytes} tells the batch's exact size beforehand.
     *
     * @throws IllegalArgumentException if there are no frames or more than {@link #MAX_BATCH_MESSAGES}, one is not a
     *                                  frame of this codec, or the batch would exceed {@link #maxFrameBytes()}
     */
    public byte[] encodeBatch(List<byte[]> frames) {
        int n = frames.size();
        if (n < 1 || n > MAX_BATCH_MESSAGES) {
            throw new IllegalArgumentException("a batch holds 1.." + MAX_BATCH_MESSAGES + " frames, not " + n);
        }
        long size = batchBytes(frames);
        if (size > limits.maxFrameBytes()) {
            throw new IllegalArgumentException("a batch of " + size + " bytes exceeds maxFrameBytes="
                    + limits.maxFrameBytes());
        }
        byte[] out = new byte[(int) size];
        int pos = writeHeader(out, BATCH_MAGIC_1, BATCH_FORMAT_VERSION);
        pos = putVarInt(out, pos, n);
        for (byte[] f : frames) {
            if (f.length < HEADER_BYTES || f[0] != (byte) MAGIC_0 || f[1] != (byte) MAGIC_1) {
                throw new IllegalArgumentException("not a frame of this codec");
            }
            int body = f.length - HEADER_BYTES;
            pos = putVarInt(out, pos, body);
            System.arraycopy(f, HEADER_BYTES, out, pos, body);
            pos += body;
        }
        return out;
    }

    /** The size in bytes of the batch {@link #encodeBatch} would make of {@code frames}. */
    public static long batchBytes(List<byte[]> frames) {
        long size = HEADER_BYTES + varIntBytes(frames.size());
        for (byte[] f : frames) {
            size += batchEntryBytes(f.length);
        }
        return size;
    }

    /** What a frame of {@code frameBytes} adds to a batch. */
    public static int batchEntryBytes(int frameBytes) {
        int body = Math.max(0, frameBytes - HEADER_BYTES);
        return varIntBytes(body) + body;
    }

    /** The size of the smallest batch: its header and the count of a few frames. */
    public static int batchHeaderBytes(int frames) {
        return HEADER_BYTES + varIntBytes(frames);
    }

    private static int varIntBytes(int v) {
        int n = 1;
        while ((v & ~0x7F) != 0) {
            n++;
            v >>>= 7;
        }
        return n;
    }

    private static int putVarInt(byte[] out, int pos, int v) {
        while ((v & ~0x7F) != 0) {
            out[pos++] = (byte) ((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        out[pos++] = (byte) v;
        return pos;
    }

    private int writeHeader(byte[] out, int magic1, int version) {
        out[0] = (byte) MAGIC_0;
        out[1] = (byte) magic1;
        out[2] = (byte) version;
        long fp = schema.fingerprint();
        for (int i = 0; i < 8; i++) {
            out[3 + i] = (byte) (fp >>> (56 - 8 * i));
        }
        return HEADER_BYTES;
    }

    /** The type id of {@code m}'s record, or -1 if it is not a registered message type. */
    int typeId(Message m) {
        return schema.idOf(m.getClass());
    }

    /** Decodes a whole array; see {@link #decode(byte[], int, int)}. */
    public Frame decode(byte[] frame) throws FrameDecodeException {
        return decode(frame, 0, frame.length);
    }

    /**
     * Decodes {@code length} bytes at {@code offset}: one frame, not a batch.
     *
     * @throws FrameDecodeException for any input that is not a complete, valid frame of this schema
     */
    public Frame decode(byte[] data, int offset, int length) throws FrameDecodeException {
        Objects.checkFromIndexSize(offset, length, data.length);
        WireReader in = header(data, offset, length, false);
        try {
            Frame f = body(in);
            if (in.remaining() != 0) {
                throw Schema.malformed(in.remaining() + " trailing bytes after the message");
            }
            return f;
        } catch (FrameDecodeException e) {
            throw e;
        } catch (RuntimeException | StackOverflowError e) {
            throw new FrameDecodeException(Cause.MALFORMED, "malformed frame: " + e, e);
        }
    }

    /** Decodes a whole array; see {@link #decodeAny(byte[], int, int)}. */
    public List<Frame> decodeAny(byte[] data) throws FrameDecodeException {
        return decodeAny(data, 0, data.length);
    }

    /**
     * Decodes {@code length} bytes at {@code offset}: a single frame or a batch (see {@link #encodeBatch}), all or
     * nothing: a batch with any bad entry fails as a whole.
     *
     * @throws FrameDecodeException for any input that is not a complete, valid frame or batch of this schema
     */
    public List<Frame> decodeAny(byte[] data, int offset, int length) throws FrameDecodeException {
        Objects.checkFromIndexSize(offset, length, data.length);
        if (length < 2 || data[offset + 1] != (byte) BATCH_MAGIC_1) {
            return List.of(decode(data, offset, length));
        }
        WireReader in = header(data, offset, length, true);
        try {
            int n = in.readVarInt();
            if (n < 1 || n > MAX_BATCH_MESSAGES) {
                throw Schema.malformed("batch of " + Integer.toUnsignedString(n) + " frames; allowed 1.."
                        + MAX_BATCH_MESSAGES);
            }
            List<Frame> frames = new ArrayList<>(Math.min(n, 64)); // the count is not trusted for allocation
            for (int i = 0; i < n; i++) {
                int entry = in.readLength(in.remaining(), "batch entry");
                WireReader e = in.slice(entry);
                Frame f = body(e);
                if (e.remaining() != 0) {
                    throw Schema.malformed(e.remaining() + " trailing bytes after message " + i + " of a batch");
                }
                frames.add(f);
            }
            if (in.remaining() != 0) {
                throw Schema.malformed(in.remaining() + " trailing bytes after a batch of " + n + " frames");
            }
            return frames;
        } catch (FrameDecodeException e) {
            throw e;
        } catch (RuntimeException | StackOverflowError e) {
            throw new FrameDecodeException(Cause.MALFORMED, "malformed batch: " + e, e);
        }
    }

    /** Checks the length and the header of a frame ({@code batch} false) or a batch; returns a reader past it. */
    private WireReader header(byte[] data, int offset, int length, boolean batch) throws FrameDecodeException {
        String what = batch ? "batch" : "frame";
        if (length > limits.maxFrameBytes()) {
            throw new FrameDecodeException(Cause.TOO_LARGE, what + " of " + length + " bytes exceeds maxFrameBytes="
                    + limits.maxFrameBytes());
        }
        if (length < HEADER_BYTES) {
            throw new FrameDecodeException(Cause.BAD_HEADER, what + " of " + length
                    + " bytes is shorter than a header");
        }
        WireReader in = new WireReader(data, offset, length);
        if (in.readByte() != MAGIC_0 || in.readByte() != (batch ? BATCH_MAGIC_1 : MAGIC_1)) {
            throw new FrameDecodeException(Cause.BAD_HEADER, "not a Homeostat " + what + " (bad magic)");
        }
        int version = in.readByte();
        int expected = batch ? BATCH_FORMAT_VERSION : FORMAT_VERSION;
        if (version != expected) {
            throw new FrameDecodeException(Cause.BAD_HEADER, "unknown " + what + " format version " + version
                    + "; this build speaks " + expected);
        }
        long fp = in.readFixedLong();
        if (fp != schema.fingerprint()) {
            throw new FrameDecodeException(Cause.SCHEMA_MISMATCH, String.format(
                    "%s has schema fingerprint %016x, this build %016x: the sender runs an incompatible build",
                    what, fp, schema.fingerprint()));
        }
        return in;
    }

    /** Sender, destination, type id and message. */
    private Frame body(WireReader in) throws FrameDecodeException {
        Address from = (Address) schema.addressCodec().read(in, limits, 0);
        Address to = (Address) schema.addressCodec().read(in, limits, 0);
        int id = in.readVarInt();
        if (id < 0 || id >= schema.messageTypes().size()) {
            throw Schema.malformed("unknown type id " + Integer.toUnsignedString(id));
        }
        Message m = (Message) schema.messageCodec(id).read(in, limits, 0);
        return new Frame(from, to, m);
    }
}
