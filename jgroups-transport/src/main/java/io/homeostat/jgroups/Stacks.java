package io.homeostat.jgroups;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.jgroups.JChannel;
import org.jgroups.conf.ConfiguratorFactory;
import org.jgroups.conf.ProtocolConfiguration;
import org.jgroups.conf.ProtocolStackConfigurator;
import org.jgroups.protocols.Bundler;
import org.jgroups.protocols.PerDestinationBundler;
import org.jgroups.protocols.TCP;
import org.jgroups.protocols.TP;
import org.jgroups.protocols.TransferQueueBundler;
import org.jgroups.stack.Protocol;
import org.jgroups.util.TLSClientAuth;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Resolves {@link JGroupsOptions#stack()}, applies the option overrides, and creates the (unconnected) channel. */
final class Stacks {

    private static final Logger LOG = LoggerFactory.getLogger(Stacks.class);

    static final String DNS_QUERY_PROPERTY = "homeostat.jgroups.dns_query";
    static final String BUNDLER_TYPE = "bundler_type";
    static final String SINGLE_SENDER_THREAD = "bundler.use_single_sender_thread";
    private static final Set<String> PER_DESTINATION_BUNDLER = Set.of("per-destination", "pd", "pdb",
            PerDestinationBundler.class.getName());

    private Stacks() {
    }

    /** The XML of the configured stack. */
    static ProtocolStackConfigurator load(JGroupsOptions o) {
        String stack = o.stack().trim();
        try {
            if (JGroupsOptions.SHIPPED_STACKS.contains(stack)) {
                try (InputStream in = Stacks.class.getResourceAsStream("/homeostat/jgroups/" + stack + ".xml")) {
                    if (in == null) {
                        throw new JGroupsConfigException("JGroupsOptions.stack: the shipped stack '" + stack
                                + "' is missing from the classpath; is homeostat-jgroups-transport's jar complete?");
                    }
                    return ConfiguratorFactory.getStackConfigurator(in);
                }
            }
            boolean looksLikePath = stack.endsWith(".xml") || stack.contains("/") || stack.contains("\\");
            if (!looksLikePath) {
                throw new JGroupsConfigException("JGroupsOptions.stack: unknown stack '" + stack + "'; use one of "
                        + JGroupsOptions.SHIPPED_STACKS + " or the path of a JGroups XML file");
            }
            Path file = Path.of(stack);
            if (!Files.isRegularFile(file)) {
                throw new JGroupsConfigException("JGroupsOptions.stack: stack file " + file.toAbsolutePath()
                        + " does not exist or is not a file; fix the path or use one of "
                        + JGroupsOptions.SHIPPED_STACKS);
            }
            try (InputStream in = Files.newInputStream(file)) {
                return ConfiguratorFactory.getStackConfigurator(in);
            }
        } catch (JGroupsConfigException e) {
            throw e;
        } catch (Exception e) {
            throw new JGroupsConfigException("JGroupsOptions.stack: cannot parse stack '" + stack + "': " + e
                    .getMessage() + "; fix the XML", e);
        }
    }

    private static boolean named(ProtocolConfiguration pc, String simpleName) {
        String n = pc.getProtocolName();
        return n.equals(simpleName) || n.endsWith("." + simpleName);
    }

    private static ProtocolConfiguration find(List<ProtocolConfiguration> stack, String simpleName) {
        for (ProtocolConfiguration pc : stack) {
            if (named(pc, simpleName)) {
                return pc;
            }
        }
        return null;
    }

    /** Applies the overrides of {@code o} to the parsed stack and creates the channel, not yet connected. */
    static JChannel createChannel(JGroupsOptions o) {
        ProtocolStackConfigurator configurator = load(o);
        List<ProtocolConfiguration> stack = configurator.getProtocolStack();
        if (stack.isEmpty()) {
            throw new JGroupsConfigException("JGroupsOptions.stack: stack '" + o.stack() + "' has no protocols");
        }
        ProtocolConfiguration transport = stack.get(0);
        Map<String, String> tp = transport.getProperties();
        if (o.bindAddress() != null) {
            if (o.stack().trim().equals("loopback") && !isLoopback(o.bindAddress())) {
                throw new JGroupsConfigException("JGroupsOptions.bindAddress '" + o.bindAddress() + "' is not a "
                        + "loopback address, but the loopback stack only binds to loopback; use stack lan or cloud");
            }
            tp.put("bind_addr", o.bindAddress());
        }
        if (o.bindPort() > 0) {
            tp.put("bind_port", Integer.toString(o.bindPort()));
        }
        if (named(transport, "TCP") && !tp.containsKey(SINGLE_SENDER_THREAD)
                && PER_DESTINATION_BUNDLER.contains(tp.getOrDefault(BUNDLER_TYPE, "per-destination").trim())) {
            // JGroups' default (true) sends to every member from one thread: a connect to a crashed member (up to
            // sock_conn_timeout each time) then delays the messages to all live members. One thread per member
            tp.put(SINGLE_SENDER_THREAD, "false");
        }
        ProtocolConfiguration tcpping = find(stack, "TCPPING");
        if (o.portRange() >= 0) {
            tp.put("port_range", Integer.toString(o.portRange()));
            if (tcpping != null) {
                tcpping.getProperties().put("port_range", Integer.toString(o.portRange()));
            }
        }
        if (!o.initialMembers().isEmpty()) {
            if (tcpping == null) {
                throw new JGroupsConfigException("JGroupsOptions.initialMembers needs a stack with TCPPING, but stack '"
                        + o.stack() + "' has none; use the loopback stack or add TCPPING to your XML");
            }
            List<String> hosts = new ArrayList<>();
            for (String m : o.initialMembers()) {
                hosts.add(JGroupsOptions.memberHost(m) + "[" + JGroupsOptions.memberPort(m) + "]");
            }
            tcpping.getProperties().put("initial_hosts", String.join(",", hosts));
        }
        ProtocolConfiguration dns = find(stack, "DNS_PING");
        if (dns != null) {
            if (o.dnsQuery() != null) {
                dns.getProperties().put("dns_query", o.dnsQuery());
            } else {
                String q = dns.getProperties().get("dns_query");
                boolean unresolved = q == null || q.isBlank()
                        || (q.contains("${" + DNS_QUERY_PROPERTY) && System.getProperty(DNS_QUERY_PROPERTY) == null
                                && !q.contains(DNS_QUERY_PROPERTY + ":"));
                if (unresolved) {
                    throw new JGroupsConfigException("stack '" + o.stack() + "' discovers members by DNS but no query "
                            + "is set: set JGroupsOptions.dnsQuery or -D" + DNS_QUERY_PROPERTY
                            + "=<DNS name of the headless service>");
                }
            }
        } else if (o.dnsQuery() != null) {
            throw new JGroupsConfigException("JGroupsOptions.dnsQuery needs a stack with DNS_PING (cloud), but stack '"
                    + o.stack() + "' has none");
        }
        SSLContext tls = null;
        if (o.secured()) {
            if (!named(transport, "TCP")) {
                throw new JGroupsConfigException("JGroupsOptions.keystorePath: TLS needs a TCP transport, but stack '"
                        + o.stack() + "' uses " + transport.getProtocolName() + "; use the loopback or cloud stack");
            }
            tls = sslContext(o.keystorePath(), o.keystorePassword());
        }
        JChannel channel;
        try {
            channel = new JChannel(configurator);
        } catch (Exception e) {
            throw new JGroupsConfigException("stack '" + o.stack() + "': JGroups rejected the configuration: "
                    + e.getMessage() + "; check the stack XML, the homeostat.jgroups.* system properties and "
                    + "JGroupsOptions", e);
        }
        if (tls != null) {
            Protocol bottom = channel.getProtocolStack().getTransport();
            ((TCP) bottom).tls().enabled(true).setSSLContext(tls).setClientAuth(TLSClientAuth.NEED);
        }
        warnIfOneSenderThread(channel.getProtocolStack().getTransport(), o.stack());
        return channel;
    }

    /**
     * Does this TCP transport hand the messages to all members to one JGroups thread, so that connecting to a crashed
     * member delays the others?
     */
    static boolean sendsFromOneThread(TP transport) {
        if (!(transport instanceof TCP)) {
            return false; // UDP does not connect; TCP_NIO2 connects without blocking
        }
        Bundler b = transport.getBundler();
        return b instanceof TransferQueueBundler
                || (b instanceof PerDestinationBundler pd && pd.useSingleSenderThread());
    }

    private static void warnIfOneSenderThread(TP transport, String stack) {
        if (sendsFromOneThread(transport)) {
            LOG.warn("stack '{}': JGroups sends to all members from one thread ({}), so after a member crashes every "
                    + "connect attempt to it (up to sock_conn_timeout each) delays the messages to the live members. "
                    + "Use bundler_type=\"per-destination\" with bundler.use_single_sender_thread=\"false\" on TCP",
                    stack, transport.getBundler().getClass().getSimpleName());
        }
    }

    static boolean isLoopback(String address) {
        String s = address.trim().toLowerCase(java.util.Locale.ROOT);
        if (s.equals("loopback") || s.equals("::1") || s.equals("0:0:0:0:0:0:0:1")) {
            return true;
        }
        return JGroupsOptions.isIpLiteral(s) && s.startsWith("127.");
    }

    /**
     * A TLS context whose key and trust both come from the cluster keystore: a peer is trusted exactly when it
     * presents a certificate of that keystore.
     */
    static SSLContext sslContext(Path keystore, String password) {
        char[] pw = password.toCharArray();
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(keystore)) {
                ks.load(in, pw);
            }
            if (!ks.aliases().hasMoreElements()) {
                throw new JGroupsConfigException("JGroupsOptions.keystorePath " + keystore + " holds no key; create "
                        + "one with io.homeostat.jgroups.Keygen");
            }
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, pw);
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ks);
            SSLContext ctx = SSLContext.getInstance("TLSv1.3");
            ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
            return ctx;
        } catch (IOException | GeneralSecurityException e) {
            throw new JGroupsConfigException("JGroupsOptions.keystorePath " + keystore + " cannot be used as the "
                    + "cluster credential (" + e.getMessage() + "): check keystorePassword and that it is a PKCS12 "
                    + "keystore made by io.homeostat.jgroups.Keygen", e);
        }
    }
}
