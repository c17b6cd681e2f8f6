package io.homeostat.bench.l2;

import jakarta.persistence.EntityManagerFactory;
import java.util.List;
import java.util.Map;

/**
 * One second-level cache setup under test. The harness asks it for the Hibernate properties of each node just before it
 * builds that node's {@link EntityManagerFactory} (so a system may start a member or cache manager per node there), lets
 * it wait for its cluster to form, and tells it when a node's factory was closed.
 */
interface L2System {

    /** The name used on the command line and in the report. */
    String name();

    /** Hibernate properties of node {@code node} (0-based); called once per node, in order, before its factory. */
    Map<String, Object> nodeProperties(int node) throws Exception;

    /** Waits, within reason, until the nodes form one cluster; returns a note for the report, or null. */
    default String settle(List<EntityManagerFactory> nodes) throws Exception {
        return null;
    }

    /** One line for the report: versions and configuration, once the nodes run. */
    String describe(List<EntityManagerFactory> nodes);

    /** Node {@code node}'s factory was closed: stop what the system runs for it beside Hibernate (a member). */
    default void nodeStopped(int node) {
    }

    /** Stops whatever is left; called once after every factory was closed. */
    default void close() {
    }
}
