package dev.troupe.internal.node;

import dev.troupe.ManagedProcess;
import dev.troupe.ProcessState;
import dev.troupe.ProcessStats;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * INTERNAL API. The user's handle on a process; reads what its {@link ProcessActor} publishes and signals the
 * OS process directly (thread-safe operations), so none of these calls waits for an actor.
 */
class ProcessHandleImpl implements ManagedProcess {
    final ProcessRecord record;

    ProcessHandleImpl(ProcessRecord record) {
        this.record = record;
    }

    @Override
    public String id() {
        return record.id;
    }

    @Override
    public String host() {
        String h = record.remoteHost;
        return h == null ? "localhost" : h;
    }

    @Override
    public long pid() {
        return record.pid();
    }

    @Override
    public ProcessState state() {
        return record.state();
    }

    @Override
    public boolean isAlive() {
        if (record.isRemote()) {
            WorkerConnection c = record.connection;
            return !record.exited.isDone() && c != null && c.link.isOpen();
        }
        return !record.exited.isDone() && record.process != null && record.process.isAlive();
    }

    @Override
    public boolean join(Duration timeout) throws InterruptedException {
        try {
            record.exited.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            return true;
        }
    }

    @Override
    public Integer exitCode() {
        if (record.isRemote()) {
            return record.exited.getNow(null);
        }
        Process p = record.process;
        if (p == null || p.isAlive()) {
            return null;
        }
        return Exits.pythonStyle(p.exitValue());
    }

    @Override
    public void terminate() {
        Process p = record.process;
        if (p != null) {
            p.destroy();
        } else if (record.actor != null) {
            record.actor.tell(new ProcessActor.Stop("terminated"));
        }
    }

    @Override
    public void kill() {
        record.kill("was killed");
    }

    @Override
    public ProcessStats stats() {
        if (!isAlive()) {
            throw new IllegalStateException(record.id + " (pid " + pid() + ") has exited");
        }
        if (record.isRemote()) {
            dev.troupe.wire.Stats s = record.connection.lastStats();
            return new ProcessStats(pid(), Duration.ofNanos(Math.max(0, s.getCpuTimeNanos())), -1, s.getThreadCount());
        }
        return OsStats.read(pid());
    }

    @Override
    public String toString() {
        return record.id + "[pid " + pid() + (record.isRemote() ? "@" + record.remoteHost : "") + ", " + state() + "]";
    }
}
