package dev.troupe.samples;

import dev.troupe.Troupe;
import dev.troupe.WorkerProcess;
import dev.troupe.shared.Connection;
import dev.troupe.shared.ConnectionClosedException;
import dev.troupe.shared.Pipe;
import dev.troupe.shared.Waits;
import java.time.Duration;
import java.util.List;

/**
 * A parent and a child process talking over a {@link Pipe}, as with Python's {@code multiprocessing.Pipe()}: the
 * parent keeps one end and passes the other to the child as its input; the child answers each request until the
 * parent closes its end, and the parent's {@code recv} then tells the child's end is gone instead of hanging.
 */
public final class PipeChild {
    private PipeChild() {
    }

    /** A request: add these numbers. */
    public record Sum(List<Integer> numbers) {
    }

    /** The child: answers each request with its sum, until the parent closes its end. */
    static Integer serve(Connection<Object> parent) {
        int served = 0;
        try (parent) {
            while (true) {
                Sum request = (Sum) parent.recv();
                parent.send(request.numbers().stream().mapToInt(Integer::intValue).sum());
                served++;
            }
        } catch (ConnectionClosedException parentClosed) {
            return served;
        }
    }

    public static void main(String[] args) throws Exception {
        try (Troupe troupe = Troupe.local(); Pipe<Object> pipe = Pipe.create()) {
            Connection<Object> child = pipe.first();
            WorkerProcess<Integer> process = troupe.spawn(PipeChild::serve, pipe.second());
            pipe.second().close(); // the child holds that end now, as Python's idiom closes it in the parent

            for (int n = 1; n <= 3; n++) {
                List<Integer> numbers = List.of(n, n * 10, n * 100);
                child.send(new Sum(numbers));
                // Wait for the answer or for the child's death, whichever comes first.
                if (Waits.any(Duration.ofSeconds(30), child, Waits.exited(process)) != 0) {
                    throw new IllegalStateException("the child exited: " + process);
                }
                System.out.println("sum of " + numbers + " = " + child.recv() + " (from pid " + process.pid() + ")");
            }
            child.close();
            System.out.println("the child served " + process.result().get() + " requests and saw the pipe close");
        }
    }
}
