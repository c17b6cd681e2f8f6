package io.homeostat.jgroups;

import io.homeostat.ClientOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Configuration of a {@link JGroupsTransport}. Build with {@link #builder()}; every setting is validated when the
 * record is created and a bad one raises {@link JGroupsConfigException} naming it. Bounds carry their unit in the name.
 *
 * @param clusterName          JGroups cluster to join; processes with different names never see each other
 * @param stack                {@code loopback} (default), {@code lan}, {@code cloud}, or the path of a JGroups XML file
 * @param nodeName             this process's JGroups logical name and engine endpoint; null for a random
 *                             {@code homeostat-xxxxxxxx}. Give a stable, cluster-unique name in production
 * @param bindAddress          overrides the stack's {@code bind_addr} (an IP literal or a JGroups keyword such as
 *                             {@code site_local}); null keeps the stack's. The loopback stack accepts loopback only
 * @param bindPort             overrides the stack's {@code bind_port}; 0 keeps the stack's
 * @param portRange            overrides {@code port_range} of the transport and of TCPPING; -1 keeps the stack's
 * @param initialMembers       TCPPING hosts as {@code host[port]} or {@code host:port}; empty keeps the stack's
 * @param dnsQuery             DNS_PING query (cloud stack); null falls back to {@code -Dhomeostat.jgroups.dns_query}
 * @param maxFrameBytes        largest frame sent or accepted
 * @param maxSendQueueMessages frames waiting to be handed to JGroups, all destinations together; more are dropped and
 *                             counted
 * @param maxSendQueueBytes    bytes of those frames, all destinations together; more are dropped and counted
 * @param maxQueuedMessagesPerDestination frames waiting for one destination; more to it are dropped and counted, so
 *                             a dead or slow member cannot take the space of the others. Default: a quarter of
 *                             {@code maxSendQueueMessages}
 * @param maxQueuedBytesPerDestination bytes of frames waiting for one destination; likewise. Default: a quarter of
 *                             {@code maxSendQueueBytes}, at least {@code maxFrameBytes}
 * @param senderThreads        threads handing frames to JGroups; each destination is served by at most one at a time,
 *                             so a send that blocks (with a stack whose sends block) holds up only its own destination
 *                             as long as another thread is free
 * @param maxBatchMessages     the most frames for one destination sent as one JGroups message (a batch). Only frames
 *                             already queued are batched: a lone frame is sent at once, never held back for company.
 *                             1 sends every frame in its own JGroups message
 * @param maxBatchBytes        the most bytes of one batch; a frame bigger than this goes alone
 * @param routeGraceMillis     how long a member that left the JGroups view stays reachable by name (a frame from it
 *                             restarts the period); then messages to it are dropped as having no route
 * @param keystorePath         the cluster credential (a PKCS12 keystore, see {@link Keygen}); null for an open cluster
 * @param keystorePassword     its password; required with {@code keystorePath}
 * @param dropLogIntervalMillis at most one log line per drop cause per this interval
 * @param closeTimeoutMillis   how long {@link JGroupsTransport#close()} waits for the sender threads
 * @param inlineSendBudgetBytes how many bytes a node's event loop may write to one destination itself, at the end of
 *                             its turn, instead of handing them to a sender thread, since it last heard from that
 *                             destination (and only within a second of hearing from
 *                             it): a thread hand-off less per message to a member that is answering. Kept below
 *                             what the socket buffers of a connection hold, so that a member that stops reading can
 *                             never block the loop; beyond it, and for every other destination, the sender threads
 *                             write as before. 0 turns it off. Default {@value #DEFAULT_INLINE_SEND_BUDGET_BYTES}
 */
public record JGroupsOptions(String clusterName, String stack, String nodeName, String bindAddress, int bindPort,
        int portRange, List<String> initialMembers, String dnsQuery, int maxFrameBytes, int maxSendQueueMessages,
        long maxSendQueueBytes, int maxQueuedMessagesPerDestination, long maxQueuedBytesPerDestination,
        int senderThreads, int maxBatchMessages, int maxBatchBytes, long routeGraceMillis, Path keystorePath,
        String keystorePassword, long dropLogIntervalMillis, long closeTimeoutMillis, int inlineSendBudgetBytes) {

    /** The shipped stacks, as classpath resources {@code homeostat/jgroups/<name>.xml}. */
    public static final Set<String> SHIPPED_STACKS = Set.of("loopback", "lan", "cloud");

    /**
     * Default {@code inlineSendBudgetBytes}: a quarter of the 128 KiB a Linux socket's receive buffer holds by default
     * ({@code net.ipv4.tcp_rmem}), so what the loop writes fits in the peer's buffer even if the peer reads nothing.
     */
    public static final int DEFAULT_INLINE_SEND_BUDGET_BYTES = 32 * 1024;

    /** The most {@code inlineSendBudgetBytes}: the Linux default receive buffer of a socket. */
    public static final int MAX_INLINE_SEND_BUDGET_BYTES = 128 * 1024;

    /** The most {@code senderThreads}. */
    public static final int MAX_SENDER_THREADS = 64;

    /** The smallest accepted {@code maxFrameBytes}: the engine's default 1 MiB value limit plus 64 KiB. */
    public static final int MIN_MAX_FRAME_BYTES = ClientOptions.DEFAULT_MAX_VALUE_BYTES + 64 * 1024;

    private static final Set<String> BIND_KEYWORDS = Set.of("global", "site_local", "link_local", "non_loopback",
            "loopback");
    private static final Pattern MEMBER = Pattern.compile("(.+)(?:\\[(\\d+)]|:(\\d+))");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._:@\\-]{1,128}");

    public JGroupsOptions {
        initialMembers = List.copyOf(Objects.requireNonNull(initialMembers, "initialMembers"));
        require(clusterName != null && !clusterName.isBlank(), "clusterName must not be empty");
        require(stack != null && !stack.isBlank(), "stack must be one of " + SHIPPED_STACKS
                + " or the path of a JGroups XML file");
        require(nodeName == null || NAME.matcher(nodeName).matches(), "nodeName '" + nodeName
                + "' must be 1-128 characters of letters, digits and ._:@-");
        require(bindAddress == null || validBindAddress(bindAddress), "bindAddress '" + bindAddress
                + "' must be an IP address or one of " + BIND_KEYWORDS + " (or a JGroups match-... expression)");
        require(bindPort >= 0 && bindPort <= 65_535, "bindPort must be in 0..65535 (0 keeps the stack's), was "
                + bindPort);
        require(portRange >= -1 && portRange <= 1_000, "portRange must be in 0..1000 (-1 keeps the stack's), was "
                + portRange);
        require(bindPort == 0 || portRange < 0 || bindPort + portRange <= 65_535, "bindPort + portRange must not "
                + "exceed 65535, were " + bindPort + " + " + portRange + "; lower portRange");
        for (String m : initialMembers) {
            require(memberPort(m) > 0, "initialMembers entry '" + m + "' must be host[port] or host:port with a "
                    + "port in 1..65535");
        }
        require(dnsQuery == null || !dnsQuery.isBlank(), "dnsQuery must not be blank (null to use "
                + "-Dhomeostat.jgroups.dns_query)");
        require(maxFrameBytes >= MIN_MAX_FRAME_BYTES, "maxFrameBytes must be >= " + MIN_MAX_FRAME_BYTES
                + " (the engine's 1 MiB value limit plus 64 KiB), was " + maxFrameBytes);
        require(maxSendQueueMessages >= 1, "maxSendQueueMessages must be >= 1, was " + maxSendQueueMessages);
        require(maxSendQueueBytes >= maxFrameBytes, "maxSendQueueBytes must be >= maxFrameBytes (" + maxFrameBytes
                + "), was " + maxSendQueueBytes);
        require(maxQueuedMessagesPerDestination >= 1 && maxQueuedMessagesPerDestination <= maxSendQueueMessages,
                "maxQueuedMessagesPerDestination must be in 1..maxSendQueueMessages (" + maxSendQueueMessages
                        + "), was " + maxQueuedMessagesPerDestination);
        require(maxQueuedBytesPerDestination >= maxFrameBytes && maxQueuedBytesPerDestination <= maxSendQueueBytes,
                "maxQueuedBytesPerDestination must be in maxFrameBytes (" + maxFrameBytes + ")..maxSendQueueBytes ("
                        + maxSendQueueBytes + "), was " + maxQueuedBytesPerDestination);
        require(senderThreads >= 1 && senderThreads <= MAX_SENDER_THREADS, "senderThreads must be in 1.."
                + MAX_SENDER_THREADS + ", was " + senderThreads);
        require(maxBatchMessages >= 1 && maxBatchMessages <= MessageCodec.MAX_BATCH_MESSAGES, "maxBatchMessages must "
                + "be in 1.." + MessageCodec.MAX_BATCH_MESSAGES + ", was " + maxBatchMessages);
        require(maxBatchBytes >= MessageCodec.MIN_MAX_FRAME_BYTES && maxBatchBytes <= maxFrameBytes, "maxBatchBytes "
                + "must be in " + MessageCodec.MIN_MAX_FRAME_BYTES + "..maxFrameBytes (" + maxFrameBytes + "), was "
                + maxBatchBytes);
        require(routeGraceMillis >= 0, "routeGraceMillis must be >= 0, was " + routeGraceMillis);
        if (keystorePath != null) {
            require(Files.isRegularFile(keystorePath), "keystorePath " + keystorePath + " is not a readable file; "
                    + "create a cluster credential with io.homeostat.jgroups.Keygen");
            require(keystorePassword != null, "keystorePassword is required with keystorePath");
        }
        require(dropLogIntervalMillis >= 0, "dropLogIntervalMillis must be >= 0, was " + dropLogIntervalMillis);
        require(closeTimeoutMillis >= 0, "closeTimeoutMillis must be >= 0, was " + closeTimeoutMillis);
        require(inlineSendBudgetBytes >= 0 && inlineSendBudgetBytes <= MAX_INLINE_SEND_BUDGET_BYTES,
                "inlineSendBudgetBytes must be in 0.." + MAX_INLINE_SEND_BUDGET_BYTES + " (0 turns inline sends off), "
                        + "was " + inlineSendBudgetBytes);
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new JGroupsConfigException("JGroupsOptions." + message);
        }
    }

    private static boolean validBindAddress(String a) {
        String s = a.trim().toLowerCase(Locale.ROOT);
        if (BIND_KEYWORDS.contains(s) || s.startsWith("match-")) {
            return true;
        }
        return isIpLiteral(s);
    }

    /** An IPv4 or IPv6 literal, checked without any name lookup. */
    static boolean isIpLiteral(String s) {
        if (s.matches("\\d{1,3}(\\.\\d{1,3}){3}")) {
            for (String part : s.split("\\.")) {
                if (Integer.parseInt(part) > 255) {
                    return false;
                }
            }
            return true;
        }
        if (s.matches("[0-9a-fA-F:.]+") && s.contains(":")) {
            try {
                java.net.InetAddress.getByName(s); // a literal: no lookup
                return true;
            } catch (java.net.UnknownHostException e) {
                return false;
            }
        }
        return false;
    }

    /** The port of an initial member, or -1 if the entry is malformed. */
    static int memberPort(String member) {
        Matcher m = MEMBER.matcher(member == null ? "" : member.trim());
        if (!m.matches() || m.group(1).isBlank()) {
            return -1;
        }
        String p = m.group(2) != null ? m.group(2) : m.group(3);
        try {
            int port = Integer.parseInt(p);
            return port >= 1 && port <= 65_535 ? port : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    static String memberHost(String member) {
        Matcher m = MEMBER.matcher(member.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException(member);
        }
        return m.group(1);
    }

    /** Is a credential configured (TLS with client authentication)? */
    public boolean secured() {
        return keystorePath != null;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder preset with this record's values. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.clusterName = clusterName;
        b.stack = stack;
        b.nodeName = nodeName;
        b.bindAddress = bindAddress;
        b.bindPort = bindPort;
        b.portRange = portRange;
        b.initialMembers = initialMembers;
        b.dnsQuery = dnsQuery;
        b.maxFrameBytes = maxFrameBytes;
        b.maxSendQueueMessages = maxSendQueueMessages;
        b.maxSendQueueBytes = maxSendQueueBytes;
        // a per-destination bound equal to its default stays a default: it follows later changes of the totals
        b.maxQueuedMessagesPerDestination = maxQueuedMessagesPerDestination
                == defaultMaxQueuedMessagesPerDestination(maxSendQueueMessages) ? -1 : maxQueuedMessagesPerDestination;
        b.maxQueuedBytesPerDestination = maxQueuedBytesPerDestination
                == defaultMaxQueuedBytesPerDestination(maxSendQueueBytes, maxFrameBytes) ? -1
                        : maxQueuedBytesPerDestination;
        b.senderThreads = senderThreads;
        b.maxBatchMessages = maxBatchMessages;
        b.maxBatchBytes = maxBatchBytes;
        b.routeGraceMillis = routeGraceMillis;
        b.keystorePath = keystorePath;
        b.keystorePassword = keystorePassword;
        b.dropLogIntervalMillis = dropLogIntervalMillis;
        b.closeTimeoutMillis = closeTimeoutMillis;
        b.inlineSendBudgetBytes = inlineSendBudgetBytes;
        return b;
    }

    /** Never prints the keystore password. */
    @Override
    public String toString() {
        return "JGroupsOptions[clusterName=" + clusterName + ", stack=" + stack + ", nodeName=" + nodeName
                + ", bindAddress=" + bindAddress + ", bindPort=" + bindPort + ", portRange=" + portRange
                + ", initialMembers=" + initialMembers + ", dnsQuery=" + dnsQuery + ", maxFrameBytes=" + maxFrameBytes
                + ", maxSendQueueMessages=" + maxSendQueueMessages + ", maxSendQueueBytes=" + maxSendQueueBytes
                + ", maxQueuedMessagesPerDestination=" + maxQueuedMessagesPerDestination
                + ", maxQueuedBytesPerDestination=" + maxQueuedBytesPerDestination + ", senderThreads=" + senderThreads
                + ", maxBatchMessages=" + maxBatchMessages + ", maxBatchBytes=" + maxBatchBytes
                + ", routeGraceMillis=" + routeGraceMillis
                + ", keystorePath=" + keystorePath + ", keystorePassword=" + (keystorePassword == null ? null : "***")
                + ", dropLogIntervalMillis=" + dropLogIntervalMillis + ", closeTimeoutMillis=" + closeTimeoutMillis
                + ", inlineSendBudgetBytes=" + inlineSendBudgetBytes + "]";
    }

    static int defaultMaxQueuedMessagesPerDestination(int maxSendQueueMessages) {
        return Math.max(1, maxSendQueueMessages / 4);
    }

    static long defaultMaxQueuedBytesPerDestination(long maxSendQueueBytes, int maxFrameBytes) {
        return Math.min(maxSendQueueBytes, Math.max(maxFrameBytes, maxSendQueueBytes / 4));
    }

    /**
     * Defaults: cluster {@code homeostat}, the loopback stack, 2 MiB frames, 10,000 queued frames or 64 MiB in all and
     * a quarter of that per destination, 4 sender threads, batches of at most 64 frames and 64 KiB, routes kept 30 s
     * after a member leaves the view.
     */
    public static final class Builder {
        private String clusterName = "homeostat";
        private String stack = "loopback";
        private String nodeName;
        private String bindAddress;
        private int bindPort;
        private int portRange = -1;
        private List<String> initialMembers = List.of();
        private String dnsQuery;
        private int maxFrameBytes = MessageCodec.DEFAULT_MAX_FRAME_BYTES;
        private int maxSendQueueMessages = 10_000;
        private long maxSendQueueBytes = 64L * 1024 * 1024;
        private int maxQueuedMessagesPerDestination = -1; // -1: derived from the totals in build()
        private long maxQueuedBytesPerDestination = -1;
        private int senderThreads = 4;
        private int maxBatchMessages = 64;
        /**
         * Below the shipped stacks' FRAG2 frag_size (60K, JGroups' own headers included), so that a full batch is not
         * cut in two and copied together again on arrival (in the 90/10 mix of the L2 benchmark, 64 KiB batches made
         * FRAG2's reassembly about 4 % of all allocation; docs/BENCHMARKS.md, session 15).
         */
        private int maxBatchBytes = 56 * 1024;
        private long routeGraceMillis = 30_000;
        private Path keystorePath;
        private String keystorePassword;
        private long dropLogIntervalMillis = 10_000;
        private long closeTimeoutMillis = 5_000;
        private int inlineSendBudgetBytes = DEFAULT_INLINE_SEND_BUDGET_BYTES;

        private Builder() {
        }

        public Builder clusterName(String v) {
            clusterName = v;
            return this;
        }

        public Builder stack(String v) {
            stack = v;
            return this;
        }

        public Builder nodeName(String v) {
            nodeName = v;
            return this;
        }

        public Builder bindAddress(String v) {
            bindAddress = v;
            return this;
        }

        public Builder bindPort(int v) {
            bindPort = v;
            return this;
        }

        public Builder portRange(int v) {
            portRange = v;
            return this;
        }

        public Builder initialMembers(List<String> v) {
            initialMembers = v;
            return this;
        }

        public Builder dnsQuery(String v) {
            dnsQuery = v;
            return this;
        }

        public Builder maxFrameBytes(int v) {
            maxFrameBytes = v;
            return this;
        }

        public Builder maxSendQueueMessages(int v) {
            maxSendQueueMessages = v;
            return this;
        }

        public Builder maxSendQueueBytes(long v) {
            maxSendQueueBytes = v;
            return this;
        }

        /** Default: a quarter of {@code maxSendQueueMessages}. */
        public Builder maxQueuedMessagesPerDestination(int v) {
            maxQueuedMessagesPerDestination = v;
            return this;
        }

        /** Default: a quarter of {@code maxSendQueueBytes}, at least {@code maxFrameBytes}. */
        public Builder maxQueuedBytesPerDestination(long v) {
            maxQueuedBytesPerDestination = v;
            return this;
        }

        public Builder senderThreads(int v) {
            senderThreads = v;
            return this;
        }

        /** Default 64; 1 turns batching off. */
        public Builder maxBatchMessages(int v) {
            maxBatchMessages = v;
            return this;
        }

        /** Default 64 KiB. */
        public Builder maxBatchBytes(int v) {
            maxBatchBytes = v;
            return this;
        }

        public Builder routeGraceMillis(long v) {
            routeGraceMillis = v;
            return this;
        }

        /** The cluster credential; both null for an open cluster. */
        public Builder credential(Path keystore, String password) {
            keystorePath = keystore;
            keystorePassword = password;
            return this;
        }

        public Builder dropLogIntervalMillis(long v) {
            dropLogIntervalMillis = v;
            return this;
        }

        public Builder closeTimeoutMillis(long v) {
            closeTimeoutMillis = v;
            return this;
        }

        /** See {@link JGroupsOptions#inlineSendBudgetBytes()}; 0 turns inline sends off. */
        public Builder inlineSendBudgetBytes(int v) {
            inlineSendBudgetBytes = v;
            return this;
        }

        /** @throws JGroupsConfigException naming the first bad setting */
        public JGroupsOptions build() {
            int perDestinationMessages = maxQueuedMessagesPerDestination == -1
                    ? defaultMaxQueuedMessagesPerDestination(maxSendQueueMessages) : maxQueuedMessagesPerDestination;
            long perDestinationBytes = maxQueuedBytesPerDestination == -1
                    ? defaultMaxQueuedBytesPerDestination(maxSendQueueBytes, maxFrameBytes)
                    : maxQueuedBytesPerDestination;
            return new JGroupsOptions(clusterName, stack, nodeName, bindAddress, bindPort, portRange, initialMembers,
                    dnsQuery, maxFrameBytes, maxSendQueueMessages, maxSendQueueBytes, perDestinationMessages,
                    perDestinationBytes, senderThreads, maxBatchMessages, maxBatchBytes, routeGraceMillis, keystorePath,
                    keystorePassword, dropLogIntervalMillis, closeTimeoutMillis, inlineSendBudgetBytes);
        }
    }
}
