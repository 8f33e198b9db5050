package dev.troupe.samples;

import dev.troupe.Troupe;
import dev.troupe.WorkerProcess;
import dev.troupe.shared.Queue;
import java.util.ArrayList;
import java.util.List;

/**
 * Producers and consumers in separate processes over one named {@link Queue}, as with Python's
 * {@code multiprocessing.Queue}: two producer processes put jobs, two consumer processes take them until each gets
 * a stop job. The queue handle is passed to each worker as its task's input and opens the same queue there. The
 * queue holds at most 16 jobs, so the producers wait while the consumers catch up.
 */
public final class QueueProducerConsumer {
    private static final String NAME = "sample-jobs-" + ProcessHandle.current().pid();
    private static final int JOBS_PER_PRODUCER = 50;

    /** One unit of work; {@code id < 0} tells a consumer to stop. */
    record Job(int id, String text) {
    }

    private QueueProducerConsumer() {
    }

    static Integer produce(Queue<Job> jobs) throws InterruptedException {
        long pid = ProcessHandle.current().pid();
        try (jobs) {
            for (int i = 0; i < JOBS_PER_PRODUCER; i++) {
                jobs.put(new Job(i, "job " + i + " from pid " + pid));
            }
        }
        return JOBS_PER_PRODUCER;
    }

    static String consume(Queue<Job> jobs) throws InterruptedException {
        int done = 0;
        int letters = 0;
        try (jobs) {
            for (Job job = jobs.get(); job.id() >= 0; job = jobs.get()) {
                letters += job.text().length();
                done++;
                Thread.sleep(10); // the work
            }
        }
        return "consumer pid " + ProcessHandle.current().pid() + " did " + done + " jobs (" + letters + " letters)";
    }

    public static void main(String[] args) throws Exception {
        try (Troupe troupe = Troupe.local(); Queue<Job> jobs = Queue.open(NAME, Job.class, 16)) {
            List<WorkerProcess<Integer>> producers = new ArrayList<>();
            List<WorkerProcess<String>> consumers = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                consumers.add(troupe.spawn(QueueProducerConsumer::consume, jobs));
            }
            for (int i = 0; i < 2; i++) {
                producers.add(troupe.spawn(QueueProducerConsumer::produce, jobs));
            }
            int put = 0;
            for (WorkerProcess<Integer> p : producers) {
                put += p.result().get();
            }
            System.out.println("producers put " + put + " jobs");
            for (int i = 0; i < consumers.size(); i++) {
                jobs.put(new Job(-1, "stop"));
            }
            for (WorkerProcess<String> c : consumers) {
                System.out.println(c.result().get());
            }
            System.out.println("left in the queue: " + jobs.size());
        } finally {
            Queue.unlink(NAME);
        }
    }
}
