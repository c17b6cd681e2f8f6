package io.homeostat.wiki;

import java.util.Arrays;
import java.util.List;

/**
 * Who this node is in the demo cluster, from system properties set by the launcher: {@code wiki.node.index} (1..n),
 * {@code homeostat.node.name}, {@code wiki.peers} (every node's base URL, in index order) and {@code wiki.control}
 * (the launcher's control URL, or absent).
 */
record NodeInfo(int index, String name, List<String> peers, String controlUrl) {

    static NodeInfo fromSystemProperties() {
        int index = Integer.getInteger("wiki.node.index", 1);
        String name = System.getProperty("homeostat.node.name", "node-" + index);
        String peersProp = System.getProperty("wiki.peers", "");
        List<String> peers = peersProp.isBlank() ? List.of()
                : Arrays.stream(peersProp.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
        String control = System.getProperty("wiki.control", "");
        return new NodeInfo(index, name, peers, control.isBlank() ? null : control);
    }
}
