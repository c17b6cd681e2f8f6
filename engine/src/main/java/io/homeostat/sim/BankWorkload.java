package io.homeostat.sim;

import io.homeostat.check.BankChecker;
import io.homeostat.runtime.Address;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The bank workload: accounts start at a known balance; clients move random amounts between two accounts in one
 * transaction (never overdrawing); an auditor reads every account in one read-only transaction. Every committed audit
 * must see the initial total and no negative balance ({@link BankChecker}).
 */
public final class BankWorkload extends AuditedWorkload {

    static final int ACCOUNTS = 8;
    static final long INITIAL = 100;
    private static final long MS = 1_000;
    private static final List<String> ACCOUNT_KEYS = keys("acct", ACCOUNTS);

    /** What the workload saw. */
    public record Outcome(long committed, long aborted, int audits, BankChecker.Result check, String lastFailure) {
        public boolean ok() {
            return check.ok() && audits > 0;
        }
    }

    private final List<BankChecker.Observation<String>> audits = new ArrayList<>();

    BankWorkload(StoreSimulation s) {
        super(s, ACCOUNT_KEYS, 200);
    }

    @Override
    String initialValue(int index) {
        return Long.toString(INITIAL);
    }

    @Override
    void startClients() {
        for (int c = 0; c < 4; c++) {
            int client = c;
            s.sim.at(s.sim.nowMicros() + c * MS, () -> transfer(client));
        }
    }

    @Override
    void audited(List<String> values) {
        Map<String, Long> balances = new LinkedHashMap<>();
        for (int i = 0; i < ACCOUNTS; i++) {
            balances.put(ACCOUNT_KEYS.get(i), values.get(i) == null ? 0 : Long.parseLong(values.get(i)));
        }
        audits.add(new BankChecker.Observation<>(audits.size() + 1, balances));
    }

    private void transfer(int client) {
        if (!s.issuing) {
            return;
        }
        t.step(this::transferOnce, () -> s.sim.at(s.sim.nowMicros() + 5 * MS, () -> transfer(client)));
    }

    private void transferOnce(Runnable next) {
        int from = s.sim.random().nextInt(ACCOUNTS);
        int to = (from + 1 + s.sim.random().nextInt(ACCOUNTS - 1)) % ACCOUNTS;
        long amount = 1 + s.sim.random().nextInt(10);
        Address at = s.randomLive();
        t.readAll(at, List.of(ACCOUNT_KEYS.get(from), ACCOUNT_KEYS.get(to)), r -> {
            long a = balance(r.get(0));
            long b = balance(r.get(1));
            if (a < amount) {
                next.run();
                return;
            }
            t.commit(at, List.of(
                    TxnSteps.write(ACCOUNT_KEYS.get(from), r.get(0).tag(), Long.toString(a - amount)),
                    TxnSteps.write(ACCOUNT_KEYS.get(to), r.get(1).tag(), Long.toString(b + amount))),
                    TxnSteps.onCommit(next, next));
        }, next);
    }

    Outcome result() {
        Map<String, Long> initial = new LinkedHashMap<>();
        for (String a : ACCOUNT_KEYS) {
            initial.put(a, INITIAL);
        }
        return new Outcome(t.committed, t.aborted + t.unknown, audits.size(),
                BankChecker.check(initial, audits, false), t.lastFailure);
    }

    private static long balance(TxnSteps.Read r) {
        return r.value() == null ? 0 : Long.parseLong(r.text());
    }
}
