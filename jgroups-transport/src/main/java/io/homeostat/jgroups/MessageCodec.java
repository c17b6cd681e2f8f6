package io.homeostat.jgroups;

import io.homeostat.jgroups.FrameDecodeException.Cause;
import io.homeostat.runtime.Address;
import io.homeostat.runtime.Message;
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
 * <p>Decoding is bounded ({@link #maxFrameBytes()}, list length, string length, nesting depth), instantiates only the
 * registered records through their canonical constructors, and throws nothing but {@link FrameDecodeException} for
 * any malformed input. Thread-safe and immutable.
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

    static final int MAGIC_0 = 0x48;
    static final int MAGIC_1 = 0x53;
    static final int HEADER_BYTES = 2 + 1 + 8;

    private final Schema schema = Schema.get();
    private final Schema.Limits limits;

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
        WireWriter out = new WireWriter(256, limits.maxFrameBytes());
        out.writeByte(MAGIC_0);
        out.writeByte(MAGIC_1);
        out.writeByte(FORMAT_VERSION);
        out.writeFixedLong(schema.fingerprint());
        schema.addressCodec().write(out, from, limits);
        schema.addressCodec().write(out, to, limits);
        out.writeVarInt(id);
        schema.messageCodec(id).write(out, m, limits);
        return out.toByteArray();
    }

    /** Decodes a whole array; see {@link #decode(byte[], int, int)}. */
    public Frame decode(byte[] frame) throws FrameDecodeException {
        return decode(frame, 0, frame.length);
    }

    /**
     * Decodes {@code length} bytes at {@code offset}.
     *
     * @throws FrameDecodeException for any input that is not a complete, valid frame of this schema
     */
    public Frame decode(byte[] data, int offset, int length) throws FrameDecodeException {
        Objects.checkFromIndexSize(offset, length, data.length);
        if (length > limits.maxFrameBytes()) {
            throw new FrameDecodeException(Cause.TOO_LARGE, "frame of " + length + " bytes exceeds maxFrameBytes="
                    + limits.maxFrameBytes());
        }
        if (length < HEADER_BYTES) {
            throw new FrameDecodeException(Cause.BAD_HEADER, "frame of " + length + " bytes is shorter than a header");
        }
        WireReader in = new WireReader(data, offset, length);
        try {
            if (in.readByte() != MAGIC_0 || in.readByte() != MAGIC_1) {
                throw new FrameDecodeException(Cause.BAD_HEADER, "not a Homeostat frame (bad magic)");
            }
            int version = in.readByte();
            if (version != FORMAT_VERSION) {
                throw new FrameDecodeException(Cause.BAD_HEADER, "unknown frame format version " + version
                        + "; this build speaks " + FORMAT_VERSION);
            }
            long fp = in.readFixedLong();
            if (fp != schema.fingerprint()) {
                throw new FrameDecodeException(Cause.SCHEMA_MISMATCH, String.format(
                        "frame has schema fingerprint %016x, this build %016x: the sender runs an incompatible build",
                        fp, schema.fingerprint()));
            }
            Address from = (Address) schema.addressCodec().read(in, limits, 0);
            Address to = (Address) schema.addressCodec().read(in, limits, 0);
            int id = in.readVarInt();
            if (id < 0 || id >= schema.messageTypes().size()) {
                throw Schema.malformed("unknown type id " + Integer.toUnsignedString(id));
            }
            Message m = (Message) schema.messageCodec(id).read(in, limits, 0);
            if (in.remaining() != 0) {
                throw Schema.malformed(in.remaining() + " trailing bytes after the message");
            }
            return new Frame(from, to, m);
        } catch (FrameDecodeException e) {
            throw e;
        } catch (RuntimeException | StackOverflowError e) {
            throw new FrameDecodeException(Cause.MALFORMED, "malformed frame: " + e, e);
        }
    }
}
