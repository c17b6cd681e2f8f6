package io.homeostat.jgroups;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.homeostat.runtime.Address;
import io.homeostat.runtime.Message;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;

/** Round trips of generated messages, and arbitrary or damaged input failing only as FrameDecodeException. */
class MessageCodecPropertiesTest {

    private static final MessageCodec CODEC = new MessageCodec();
    /** Decoding one frame of at most a few KiB must never take this long (a hang, or quadratic work). */
    private static final long MAX_DECODE_MILLIS = 2_000;

    @Provide
    Arbitrary<Message> messages() {
        return MessageArbitraries.anyMessage();
    }

    @Provide
    Arbitrary<Address> addresses() {
        return MessageArbitraries.addresses();
    }

    @Property(tries = 3_000)
    void everyGeneratedMessageRoundTrips(@ForAll("messages") Message m, @ForAll("addresses") Address from,
            @ForAll("addresses") Address to) throws Exception {
        byte[] frame = CODEC.encode(from, to, m);
        MessageCodec.Frame decoded = CODEC.decode(frame);
        assertThat(decoded.message()).isEqualTo(m);
        assertThat(decoded.from()).isEqualTo(from);
        assertThat(decoded.to()).isEqualTo(to);
        assertThat(CODEC.encode(from, to, decoded.message())).isEqualTo(frame);
    }

    /** Every registered type, not just the ones the random choice happened to pick. */
    @Example
    void everyMessageTypeRoundTrips() throws Exception {
        Address a = new Address("a", 0);
        for (Class<?> type : MessageCodec.messageTypes()) {
            List<Message> samples = MessageArbitraries.forMessageType(type).sampleStream().limit(40)
                    .collect(Collectors.toList());
            assertThat(samples).as(type.getName()).hasSize(40);
            for (Message m : samples) {
                assertThat(m).isInstanceOf(type);
                assertThat(CODEC.decode(CODEC.encode(a, a, m)).message()).isEqualTo(m);
            }
        }
    }

    @Property(tries = 2_000)
    void randomBytesFailOnlyAsFrameDecodeException(@ForAll @Size(max = 600) byte[] bytes) {
        decodeExpectingOnlyFrameDecodeException(bytes);
    }

    /** A valid header followed by random bytes reaches the body decoders. */
    @Property(tries = 3_000)
    void validHeaderWithRandomBodyFailsOnlyAsFrameDecodeException(@ForAll @Size(max = 400) byte[] body) {
        byte[] valid = CODEC.encode(new Address("x", 0), new Address("y", 1), new io.homeostat.ring.RingMessage.Ping(
                null));
        byte[] frame = Arrays.copyOf(valid, MessageCodec.HEADER_BYTES + body.length);
        System.arraycopy(body, 0, frame, MessageCodec.HEADER_BYTES, body.length);
        decodeExpectingOnlyFrameDecodeException(frame);
    }

    record Mutation(int kind, double where, byte value) {
    }

    @Provide
    Arbitrary<List<Mutation>> mutations() {
        return Combinators.combine(Arbitraries.integers().between(0, 5), Arbitraries.doubles().between(0, 1),
                Arbitraries.bytes()).as(Mutation::new).list().ofMinSize(1).ofMaxSize(4);
    }

    @Property(tries = 4_000)
    void mutatedAndTruncatedFramesFailOnlyAsFrameDecodeException(@ForAll("messages") Message m,
            @ForAll("mutations") List<Mutation> mutations) {
        byte[] frame = CODEC.encode(new Address("from", 2), new Address("to", 0), m);
        for (Mutation mu : mutations) {
            frame = mutate(frame, mu);
        }
        decodeExpectingOnlyFrameDecodeException(frame);
    }

    /** Mostly past the header, so the damage reaches the body; kinds: flip, set, truncate, insert, delete, 0xFF run. */
    private static byte[] mutate(byte[] f, Mutation mu) {
        if (f.length == 0) {
            return f;
        }
        int start = f.length > MessageCodec.HEADER_BYTES && mu.where() > 0.05 ? MessageCodec.HEADER_BYTES : 0;
        int pos = start + (int) ((f.length - start - 1) * mu.where());
        switch (mu.kind()) {
            case 0: {
                byte[] c = f.clone();
                c[pos] ^= (byte) (1 << (mu.value() & 7));
                return c;
            }
            case 1: {
                byte[] c = f.clone();
                c[pos] = mu.value();
                return c;
            }
            case 2:
                return Arrays.copyOf(f, pos);
            case 3: {
                byte[] c = new byte[f.length + 1];
                System.arraycopy(f, 0, c, 0, pos);
                c[pos] = mu.value();
                System.arraycopy(f, pos, c, pos + 1, f.length - pos);
                return c;
            }
            case 4: {
                byte[] c = new byte[f.length - 1];
                System.arraycopy(f, 0, c, 0, pos);
                System.arraycopy(f, pos + 1, c, pos, f.length - pos - 1);
                return c;
            }
            default: {
                byte[] c = f.clone();
                for (int i = pos; i < Math.min(c.length, pos + 5); i++) {
                    c[i] = (byte) 0xFF;
                }
                return c;
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------- batches

    @Provide
    Arbitrary<List<Message>> messageLists() {
        return MessageArbitraries.anyMessage().list().ofMinSize(1).ofMaxSize(12);
    }

    private static byte[] batchOf(List<Message> ms) {
        List<byte[]> frames = new java.util.ArrayList<>();
        for (int i = 0; i < ms.size(); i++) {
            frames.add(CODEC.encode(new Address("from", i), new Address("to", i % 3), ms.get(i)));
        }
        return CODEC.encodeBatch(frames);
    }

    @Property(tries = 1_000)
    void everyGeneratedBatchRoundTripsInOrder(@ForAll("messageLists") List<Message> ms) throws Exception {
        List<MessageCodec.Frame> decoded = CODEC.decodeAny(batchOf(ms));
        assertThat(decoded).hasSize(ms.size());
        for (int i = 0; i < ms.size(); i++) {
            assertThat(decoded.get(i).message()).isEqualTo(ms.get(i));
            assertThat(decoded.get(i).from()).isEqualTo(new Address("from", i));
            assertThat(decoded.get(i).to()).isEqualTo(new Address("to", i % 3));
        }
    }

    @Property(tries = 2_000)
    void randomBytesFailOnlyAsFrameDecodeExceptionInDecodeAny(@ForAll @Size(max = 600) byte[] bytes) {
        decodeAnyExpectingOnlyFrameDecodeException(bytes);
    }

    /** A valid batch header followed by random bytes reaches the count and entry decoders. */
    @Property(tries = 3_000)
    void validBatchHeaderWithRandomBodyFailsOnlyAsFrameDecodeException(@ForAll @Size(max = 400) byte[] body) {
        byte[] valid = batchOf(List.of(new io.homeostat.ring.RingMessage.Ping(null),
                new io.homeostat.ring.RingMessage.Ping(null)));
        byte[] batch = Arrays.copyOf(valid, MessageCodec.HEADER_BYTES + body.length);
        System.arraycopy(body, 0, batch, MessageCodec.HEADER_BYTES, body.length);
        decodeAnyExpectingOnlyFrameDecodeException(batch);
    }

    @Property(tries = 4_000)
    void mutatedAndTruncatedBatchesFailOnlyAsFrameDecodeException(@ForAll("messageLists") List<Message> ms,
            @ForAll("mutations") List<Mutation> mutations) {
        byte[] batch = batchOf(ms);
        for (Mutation mu : mutations) {
            batch = mutate(batch, mu);
        }
        decodeAnyExpectingOnlyFrameDecodeException(batch);
    }

    private static void decodeAnyExpectingOnlyFrameDecodeException(byte[] bytes) {
        long start = System.nanoTime();
        try {
            List<MessageCodec.Frame> fs = CODEC.decodeAny(bytes);
            assertThat(fs).isNotEmpty().doesNotContainNull();
        } catch (FrameDecodeException expected) {
            assertThat(expected.reason()).isNotNull();
        } catch (Throwable t) {
            fail("decodeAny let " + t + " escape", t);
        }
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertThat(millis).as("decode time of %d bytes", bytes.length).isLessThan(MAX_DECODE_MILLIS);
    }

    private static void decodeExpectingOnlyFrameDecodeException(byte[] frame) {
        long start = System.nanoTime();
        try {
            MessageCodec.Frame f = CODEC.decode(frame);
            assertThat(f.message()).isNotNull();
        } catch (FrameDecodeException expected) {
            assertThat(expected.reason()).isNotNull();
        } catch (Throwable t) {
            fail("decode let " + t + " escape", t);
        }
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertThat(millis).as("decode time of a %d byte frame", frame.length).isLessThan(MAX_DECODE_MILLIS);
    }
}
