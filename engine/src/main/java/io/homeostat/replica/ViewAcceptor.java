package io.homeostat.replica;

/**
 * One member's side of the consensus that moves a group from view e to view e+1: single-decree Paxos (Lamport, "Paxos
 * Made Simple", 2001) whose value is the next view, run among the members of view e.
 *
 * <p>Once a member has accepted a proposal for e+1 it is <em>fenced</em>: it refuses data operations of epoch e, so no
 * operation of the old view can complete after the new view may have been chosen without the new view's state
 * transfer seeing it. Pure state; the caller sends the returned answers.
 */
final class ViewAcceptor {

    /** What a member answers to a prepare or an accept. */
    sealed interface Answer {
    }

    /** Promise: with the highest proposal accepted so far for the next epoch, if any. */
    record Promise(Ballot acceptedBallot, GroupView acceptedView) implements Answer {
    }

    record Accepted() implements Answer {
    }

    /** Refused: a higher ballot was promised. */
    record Nack(Ballot promised) implements Answer {
    }

    /** The proposal was for another epoch: here is the view this member has installed. */
    record Stale(GroupView installed) implements Answer {
    }

    private GroupView installed;
    private Ballot promised = Ballot.ZERO;
    private Ballot acceptedBallot;
    private GroupView acceptedView;

    ViewAcceptor(GroupView installed) {
        this.installed = installed;
    }

    GroupView installed() {
        return installed;
    }

    /** The proposal this member accepted for the next epoch, or null. */
    GroupView acceptedView() {
        return acceptedView;
    }

    /** True once this member accepted a next view: it must refuse operations of the installed epoch. */
    boolean fenced() {
        return acceptedView != null;
    }

    Answer prepare(long epoch, Ballot ballot) {
        if (epoch != installed.epoch()) {
            return new Stale(installed);
        }
        if (!ballot.isAbove(promised)) {
            return new Nack(promised);
        }
        promised = ballot;
        return new Promise(acceptedBallot, acceptedView);
    }

    Answer accept(long epoch, Ballot ballot, GroupView next) {
        if (epoch != installed.epoch() || next.epoch() != epoch + 1 || next.group() != installed.group()) {
            return new Stale(installed);
        }
        if (ballot.compareTo(promised) < 0) {
            return new Nack(promised);
        }
        promised = ballot;
        acceptedBallot = ballot;
        acceptedView = next;
        return new Accepted();
    }

    /** Installs a later view (learned from the decision); returns false if it is not newer. */
    boolean install(GroupView view) {
        if (view.group() != installed.group() || view.epoch() <= installed.epoch()) {
            return false;
        }
        installed = view;
        promised = Ballot.ZERO;
        acceptedBallot = null;
        acceptedView = null;
        return true;
    }
}
