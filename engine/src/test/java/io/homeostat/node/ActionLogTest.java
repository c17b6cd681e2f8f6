package io.homeostat.node;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The action log keeps the newest actions, bounded, and folds a run of same-shaped actions into one entry. */
class ActionLogTest {

    @Test
    void aRunOfSameShapedActionsIsOneEntryWithACount() {
        ActionLog log = new ActionLog();
        log.tick(10);
        log.onAction("repair", "group 1 epoch 2: data complete, serving");
        log.tick(11);
        log.onAction("repair", "group 17 epoch 3: data complete, serving");
        log.tick(12);
        log.onAction("suspect", "node-3 (timeout)");
        log.onAction("fingers", "refreshed");
        log.onAction("repair", "group 4 epoch 5: data complete, serving");
        assertThat(log.recent()).containsExactly(
                new ActionLog.Action(11, "repair", "group 1 epoch 2: data complete, serving", 2),
                new ActionLog.Action(12, "suspect", "node-3 (timeout)", 1),
                new ActionLog.Action(12, "repair", "group 4 epoch 5: data complete, serving", 1));
    }

    @Test
    void theOldestActionsGoFirst() {
        ActionLog log = new ActionLog();
        for (int i = 0; i < ActionLog.MAX_ACTIONS + 10; i++) {
            log.tick(i);
            log.onAction(i % 2 == 0 ? "stabilize" : "suspect", "step " + i);
        }
        assertThat(log.recent()).hasSize(ActionLog.MAX_ACTIONS);
        assertThat(log.recent().get(0).detail()).isEqualTo("step 10");
    }
}
