package dev.troupe.internal.node;

import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * INTERNAL API. The node's root actor: parent of the process actors of spawned workers and executables, and of
 * the pool actors (which parent their own workers).
 */
final class NodeGuardian {

    interface Command {
    }

    /** Start a process actor for a spawned worker or an executable. */
    record StartProcess(LaunchSpec spec, ProcessRecord record) implements Command {
    }

    /** Start a process actor for a worker another cluster member starts ({@code SpawnOptions.on}). */
    record StartLent(LaunchSpec spec, ProcessRecord record, String nodeId) implements Command {
    }


    private NodeGuardian() {
    }

    static Behavior<Command> create(NodeContext node) {
        return Behaviors.setup(ctx -> Behaviors.receive(Command.class)
            .onMessage(StartProcess.class, m -> {
                ProcessActor.spawn(ctx, node, m.spec(), m.record(), null);
                return Behaviors.same();
            })
            .onMessage(StartLent.class, m -> {
                ProcessActor.spawnLent(ctx, node, m.record(), null, m.nodeId(), "spawn", m.spec());
                return Behaviors.same();
            })
            .build());
    }
}
