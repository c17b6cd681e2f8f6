package io.homeostat.jgroups;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.homeostat.replica.GroupView;
import io.homeostat.replica.ReplicaMessage;
import io.homeostat.ring.NodeRef;
import io.homeostat.ring.RingId;
import io.homeostat.ring.RingMessage;
import io.homeostat.runtime.Address;
import io.homeostat.runtime.Message;
import io.homeostat.store.Bytes;
import io.homeostat.store.Tag;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Enumeration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The type registry's coverage and the codec's limits and rejections, by example. */
class MessageCodecTest {

    private static final Address A = new Address("a", 0);
    private static final Address B = new Address("b", 3);
    private final MessageCodec codec = new MessageCodec();

    private static void permitted(Class<?> type, Set<Class<?>> out) {
        if (type.isRecord()) {
            out.add(type);
        } else {
            for (Class<?> sub : type.getPermittedSubclasses()) {
                permitted(sub, out);
            }
        }
    }

    @Test
    void everyPermittedSubclassOfTheSealedMessageInterfacesIsRegistered() {
        Set<Class<?>> expected = new HashSet<>();
        permitted(RingMessage.class, expected);
        permitted(ReplicaMessage.class, expected);
        permitted(io.homeostat.replica.TxnMessage.class, expected);
        assertThat(expected).hasSizeGreaterThan(30);
        assertThat(MessageCodec.messageTypes()).containsExactlyInAnyOrderElementsOf(expected);
        assertThat(MessageCodec.messageTypes()).isSortedAccordingTo(Comparator.comparing(Class::getName));
    }

    /** A new sealed message interface in the engine would be missed by the roots; scan the engine's classes for it. */
    @Test
    void noMessageRecordOfTheEngineIsOutsideTheRegistry() throws Exception {
        List<String> classNames = engineClassNames();
        assertThat(classNames).contains(RingMessage.Ping.class.getName());
        List<String> missing = new ArrayList<>();
        for (String name : classNames) {
            Class<?> c = Class.forName(name, false, getClass().getClassLoader());
            if (Message.class.isAssignableFrom(c) && c.isRecord() && !MessageCodec.messageTypes().contains(c)) {
                missing.add(name);
            }
        }
        assertThat(missing).as("message records the codec does not carry; add their sealed interface to "
                + "Schema.ROOTS").isEmpty();
    }

    private static List<String> engineClassNames() throws IOException, URISyntaxException {
        Path location = Path.of(Message.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        List<String> names = new ArrayList<>();
        if (Files.isDirectory(location)) {
            try (Stream<Path> s = Files.walk(location)) {
                for (Path p : s.filter(p -> p.toString().endsWith(".class")).collect(Collectors.toList())) {
                    String rel = location.relativize(p).toString().replace('\\', '/');
                    names.add(rel.substring(0, rel.length() - ".class".length()).replace('/', '.'));
                }
            }
        } else {
            try (JarFile jar = new JarFile(location.toFile())) {
                Enumeration<JarEntry> e = jar.entries();
                while (e.hasMoreElements()) {
                    String n = e.nextElement().getName();
                    if (n.endsWith(".class") && !n.startsWith("META-INF")) {
                        names.add(n.substring(0, n.length() - ".class".length()).replace('/', '.'));
                    }
                }
            }
        }
        return names;
    }

    @Test
    void theFingerprintCoversRecordShapes() {
        String d = Schema.get().description();
        assertThat(d).contains("record io.homeostat.ring.RingMessage$Lookup(requestId: long, origin: "
                + "io.homeostat.runtime.Address");
        assertThat(d).contains("record io.homeostat.replica.GroupView(group: int, epoch: long, members: "
                + "java.util.List<io.homeostat.ring.NodeRef>)");
        // a schema with one root fewer is a different schema
        Schema smaller = Schema.build(List.of(RingMessage.class));
        assertThat(smaller.fingerprint()).isNotEqualTo(MessageCodec.schemaFingerprint());
        assertThat(Schema.build(Schema.ROOTS).fingerprint()).isEqualTo(MessageCodec.schemaFingerprint());
    }

    @Test
    void aFullSizedValueFitsTheDefaultFrame() throws Exception {
        byte[] value = new byte[1 << 20];
        value[7] = 42;
        Message m = new ReplicaMessage.ReadReply(1, 2, 3, new Tag(5, A, 6), Bytes.of(value), false);
        byte[] frame = codec.encode(A, B, m);
        assertThat(frame.length).isLessThan(MessageCodec.DEFAULT_MAX_FRAME_BYTES);
        assertThat(codec.decode(frame).message()).isEqualTo(m);
    }

    @Test
    void smallMessagesAreCompact() {
        NodeRef n = new NodeRef(new RingId(1, 2), new Address("10.0.0.1:7800", 0));
        byte[] frame = codec.encode(n.address(), n.address(), new RingMessage.Ping(n));
        // header 11, two addresses 2 x 16, id 1, node ref 1 + 16 + 16
        assertThat(frame.length).isLessThanOrEqualTo(80);
    }

    @Test
    void anOversizedMessageIsRefusedWhenEncodingWithTheLimitNamed() {
        MessageCodec small = new MessageCodec(4_096);
        Message m = new ReplicaMessage.ReadReply(1, 2, 3, Tag.ZERO, Bytes.of(new byte[5_000]), false);
        assertThatThrownBy(() -> small.encode(A, B, m)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxFrameBytes=4096");
    }

    @Test
    void anOversizedFrameIsRejectedBeforeDecoding() {
        byte[] frame = codec.encode(A, B, new ReplicaMessage.ReadReply(1, 2, 3, Tag.ZERO,
                Bytes.of(new byte[5_000]), false));
        assertThatThrownBy(() -> new MessageCodec(4_096).decode(frame)).isInstanceOf(FrameDecodeException.class)
                .satisfies(e -> assertThat(((FrameDecodeException) e).reason())
                        .isEqualTo(FrameDecodeException.Cause.TOO_LARGE));
    }

    private static FrameDecodeException.Cause causeOf(MessageCodec c, byte[] frame) {
        try {
            c.decode(frame);
            throw new AssertionError("decoded");
        } catch (FrameDecodeException e) {
            return e.reason();
        }
    }

    @Test
    void headerDamageIsClassified() {
        byte[] frame = codec.encode(A, B, new RingMessage.Ping(null));
        byte[] badMagic = frame.clone();
        badMagic[0] = 'X';
        byte[] badVersion = frame.clone();
        badVersion[2] = 9;
        byte[] otherSchema = frame.clone();
        otherSchema[5] ^= 1;
        assertThat(causeOf(codec, badMagic)).isEqualTo(FrameDecodeException.Cause.BAD_HEADER);
        assertThat(causeOf(codec, badVersion)).isEqualTo(FrameDecodeException.Cause.BAD_HEADER);
        assertThat(causeOf(codec, otherSchema)).isEqualTo(FrameDecodeException.Cause.SCHEMA_MISMATCH);
        assertThat(causeOf(codec, new byte[3])).isEqualTo(FrameDecodeException.Cause.BAD_HEADER);
        assertThat(causeOf(codec, java.util.Arrays.copyOf(frame, frame.length - 1)))
                .isEqualTo(FrameDecodeException.Cause.MALFORMED);
        byte[] trailing = java.util.Arrays.copyOf(frame, frame.length + 1);
        assertThat(causeOf(codec, trailing)).isEqualTo(FrameDecodeException.Cause.MALFORMED);
    }

    @Test
    void aRecordConstructorRejectingDecodedFieldsBecomesAFrameDecodeException() throws Exception {
        byte[] frame = codec.encode(new Address("x", 0), B, new RingMessage.Ping(null));
        // header, then the sender: presence 1, length 1, 'x', vnode 0; make the endpoint empty
        int h = MessageCodec.HEADER_BYTES;
        assertThat(frame[h]).isEqualTo((byte) 1);
        assertThat(frame[h + 1]).isEqualTo((byte) 1);
        assertThat(frame[h + 2]).isEqualTo((byte) 'x');
        byte[] empty = new byte[frame.length - 1];
        System.arraycopy(frame, 0, empty, 0, h + 1);
        empty[h + 1] = 0;
        System.arraycopy(frame, h + 3, empty, h + 2, frame.length - h - 3);
        assertThatThrownBy(() -> codec.decode(empty)).isInstanceOf(FrameDecodeException.class)
                .hasMessageContaining("Address").hasMessageContaining("endpoint must not be empty");
    }

    @Test
    void aViewWithAnEvenMemberCountIsRejectedAtDecoding() throws Exception {
        NodeRef n = new NodeRef(new RingId(0, 1), A);
        byte[] one = codec.encode(A, B, new ReplicaMessage.ViewInstall(new GroupView(1, 1, List.of(n))));
        byte[] three = codec.encode(A, B, new ReplicaMessage.ViewInstall(new GroupView(1, 1, List.of(n, n, n))));
        int nodeRefBytes = (three.length - one.length) / 2;
        // drop the last member of three: the count still says 3 -> truncated; patch the count to 2 -> even
        byte[] two = java.util.Arrays.copyOf(three, three.length - nodeRefBytes);
        int countAt = one.length - nodeRefBytes - 1;
        assertThat(two[countAt]).isEqualTo((byte) 3);
        two[countAt] = 2;
        assertThatThrownBy(() -> codec.decode(two)).isInstanceOf(FrameDecodeException.class)
                .hasMessageContaining("odd number of members");
    }

    @Test
    void limitsAreValidatedWithTheirNames() {
        assertThatThrownBy(() -> new MessageCodec(10)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxFrameBytes");
        assertThatThrownBy(() -> codec.encode(A, B, new RingMessage.StabilizeReply(null, null,
                java.util.Collections.nCopies(70_000, new NodeRef(RingId.ZERO, A)))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxListLength");
    }

    /** Strings of ASCII take a fast path; the bytes must be the same UTF-8 as the general path writes. */
    @Test
    void asciiAndOtherStringsAreWrittenAsUtf8() throws Exception {
        String name = "node-7.example:1";
        byte[] frame = codec.encode(new Address(name, 0), B, new RingMessage.Ping(null));
        int h = MessageCodec.HEADER_BYTES; // then the sender: presence 1, length, bytes
        assertThat(frame[h + 1]).isEqualTo((byte) name.length());
        assertThat(java.util.Arrays.copyOfRange(frame, h + 2, h + 2 + name.length()))
                .isEqualTo(name.getBytes(StandardCharsets.UTF_8));
        Address other = new Address("nœud-漢", 1);
        byte[] utf8 = "nœud-漢".getBytes(StandardCharsets.UTF_8);
        byte[] f2 = codec.encode(other, B, new RingMessage.Ping(null));
        assertThat(f2[h + 1]).isEqualTo((byte) utf8.length);
        assertThat(java.util.Arrays.copyOfRange(f2, h + 2, h + 2 + utf8.length)).isEqualTo(utf8);
        assertThat(codec.decode(f2).from()).isEqualTo(other);
        assertThat(codec.decode(frame).from()).isEqualTo(new Address(name, 0));
        // a byte >= 0x80 that is not UTF-8 is still rejected
        byte[] bad = frame.clone();
        bad[h + 2] = (byte) 0xC3;
        assertThat(causeOf(codec, bad)).isEqualTo(FrameDecodeException.Cause.MALFORMED);
    }

    // ---------------------------------------------------------------------------------------------------- batches

    private static FrameDecodeException.Cause batchCauseOf(MessageCodec c, byte[] batch) {
        try {
            c.decodeAny(batch);
            throw new AssertionError("decoded");
        } catch (FrameDecodeException e) {
            return e.reason();
        }
    }

    private List<byte[]> threeFrames() {
        return List.of(codec.encode(A, B, new RingMessage.Ping(null)),
                codec.encode(B, A, new ReplicaMessage.ReadReply(1, 2, 3, Tag.ZERO, Bytes.of(new byte[300]), false)),
                codec.encode(A, new Address("c", 9), new RingMessage.Ping(new NodeRef(new RingId(4, 5), B))));
    }

    @Test
    void aBatchCarriesItsFramesInOrderAndIsSmallerThanThem() throws Exception {
        List<byte[]> frames = threeFrames();
        byte[] batch = codec.encodeBatch(frames);
        assertThat((long) batch.length).isEqualTo(MessageCodec.batchBytes(frames));
        int separate = frames.stream().mapToInt(f -> f.length).sum();
        assertThat(batch.length).as("one header instead of three, plus lengths").isLessThan(separate);
        List<MessageCodec.Frame> decoded = codec.decodeAny(batch);
        assertThat(decoded).hasSize(3);
        for (int i = 0; i < 3; i++) {
            assertThat(decoded.get(i)).isEqualTo(codec.decode(frames.get(i)));
        }
        // decodeAny takes a lone frame too; decode takes no batch
        assertThat(codec.decodeAny(frames.get(1))).containsExactly(codec.decode(frames.get(1)));
        assertThat(causeOf(codec, batch)).isEqualTo(FrameDecodeException.Cause.BAD_HEADER);
    }

    @Test
    void batchDamageIsClassifiedAndNeverPartlyDelivered() {
        byte[] batch = codec.encodeBatch(threeFrames());
        byte[] badVersion = batch.clone();
        badVersion[2] = 2;
        byte[] otherSchema = batch.clone();
        otherSchema[7] ^= 1;
        byte[] zeroCount = batch.clone();
        zeroCount[MessageCodec.HEADER_BYTES] = 0;
        byte[] moreThanThere = batch.clone();
        moreThanThere[MessageCodec.HEADER_BYTES] = 4;
        byte[] fewerThanThere = batch.clone();
        fewerThanThere[MessageCodec.HEADER_BYTES] = 2;
        byte[] hugeCount = java.util.Arrays.copyOf(batch, MessageCodec.HEADER_BYTES + 5);
        for (int i = MessageCodec.HEADER_BYTES; i < MessageCodec.HEADER_BYTES + 4; i++) {
            hugeCount[i] = (byte) 0xFF;
        }
        hugeCount[MessageCodec.HEADER_BYTES + 4] = 0x07;
        assertThat(batchCauseOf(codec, badVersion)).isEqualTo(FrameDecodeException.Cause.BAD_HEADER);
        assertThat(batchCauseOf(codec, otherSchema)).isEqualTo(FrameDecodeException.Cause.SCHEMA_MISMATCH);
        assertThat(batchCauseOf(codec, zeroCount)).isEqualTo(FrameDecodeException.Cause.MALFORMED);
        assertThat(batchCauseOf(codec, moreThanThere)).isEqualTo(FrameDecodeException.Cause.MALFORMED);
        assertThat(batchCauseOf(codec, fewerThanThere)).isEqualTo(FrameDecodeException.Cause.MALFORMED);
        assertThat(batchCauseOf(codec, hugeCount)).isEqualTo(FrameDecodeException.Cause.MALFORMED);
        assertThat(batchCauseOf(codec, java.util.Arrays.copyOf(batch, batch.length - 1)))
                .isEqualTo(FrameDecodeException.Cause.MALFORMED);
        assertThat(batchCauseOf(codec, java.util.Arrays.copyOf(batch, 5))).isEqualTo(
                FrameDecodeException.Cause.BAD_HEADER);
        assertThat(batchCauseOf(new MessageCodec(1_024), codec.encodeBatch(java.util.Collections.nCopies(40,
                codec.encode(A, B, new RingMessage.Ping(new NodeRef(new RingId(1, 2), B)))))))
                .isEqualTo(FrameDecodeException.Cause.TOO_LARGE);
        // the last entry damaged: the two good ones before it are not delivered either
        byte[] lastDamaged = batch.clone();
        lastDamaged[lastDamaged.length - 1] = (byte) 0xFF;
        lastDamaged[lastDamaged.length - 2] = (byte) 0xFF;
        assertThat(batchCauseOf(codec, lastDamaged)).isEqualTo(FrameDecodeException.Cause.MALFORMED);
    }

    @Test
    void batchesAreBoundedWhenEncoding() {
        byte[] f = codec.encode(A, B, new RingMessage.Ping(null));
        assertThatThrownBy(() -> codec.encodeBatch(List.of())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> codec.encodeBatch(java.util.Collections.nCopies(MessageCodec.MAX_BATCH_MESSAGES + 1,
                f))).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1..1024");
        assertThatThrownBy(() -> new MessageCodec(1_024).encodeBatch(java.util.Collections.nCopies(200, f)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxFrameBytes=1024");
        assertThatThrownBy(() -> codec.encodeBatch(List.of(f, new byte[20])))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a frame");
    }
}
