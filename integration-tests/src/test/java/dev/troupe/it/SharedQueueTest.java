package dev.troupe.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import dev.troupe.NamedQueue;
import dev.troupe.NamedTopic;
import dev.troupe.Pool;
import dev.troupe.PoolOptions;
import dev.troupe.TopicSubscription;
import dev.troupe.Troupe;
import dev.troupe.WorkerProcess;
import dev.troupe.shared.JoinableQueue;
import dev.troupe.shared.Queue;
import dev.troupe.shared.Topic;
import dev.troupe.spi.support.ProcessConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Named queue handles given to workers as task inputs or captured by tasks. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SharedQueueTest {
    private Troupe troupe;
    private String name;
    private Path createdDirectory;

    @BeforeEach
    void start() {
        // Workers must open shared objects where this JVM does, whichever test set up its configuration first.
        String directory = ProcessConfig.get().getString("troupe.shared.directory");
        List<String> options = new ArrayList<>(List.of("-XX:+UseSerialGC", "--enable-native-access=ALL-UNNAMED"));
        if (!directory.isBlank()) {
            options.add("-Dtroupe.shared.directory=" + directory);
            if (!Files.isDirectory(Path.of(directory))) {
                createdDirectory = Path.of(directory);
            }
        }
        troupe = Troupe.local(ConfigFactory.parseMap(Map.of("troupe.worker.jvm-options", options)));
        name = "it-queue-" + System.nanoTime();
    }

    @AfterEach
    void stop() throws Exception {
        troupe.close();
        Queue.unlink(name);
        Topic.unlink(name);
        JoinableQueue.unlink(name);
        if (createdDirectory != null) {
            // Recreated here after the test class that configured it removed it: all in it is this class's.
            try (Stream<Path> files = Files.list(createdDirectory)) {
                for (Path p : files.toArray(Path[]::new)) {
                    Files.delete(p);
                }
            }
            Files.delete(createdDirectory);
        }
        assertThat(ProcessHandle.current().children().filter(ProcessHandle::isAlive).count()).isZero();
    }

    @Test
    void shouldOpenTheSameQueueInAWorkerFromAHandlePassedAsInputOrCaptured() throws Exception {
        try (Queue<String> queue = Queue.open(name, String.class, 100)) {
            WorkerProcess<Integer> child = troupe.spawn(SharedQueueTest::putThree, queue);
            assertThat(child.result().get(60, TimeUnit.SECONDS)).isEqualTo(3);
            assertThat(List.of(queue.get(), queue.get(), queue.get())).containsExactly("a", "b", "c");

            Queue<String> captured = queue;
            try (Pool pool = troupe.pool(PoolOptions.workers(2).chunkSize(1))) {
                List<Integer> done = pool.map(i -> {
                    captured.put("item " + i);
                    return i;
                }, List.of(1, 2, 3, 4));
                assertThat(done).containsExactly(1, 2, 3, 4);
            }
            List<String> items = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                items.add(queue.get(Duration.ofSeconds(10)));
            }
            assertThat(items).containsExactlyInAnyOrder("item 1", "item 2", "item 3", "item 4");
            assertThat(queue.isEmpty()).isTrue();
        }
    }

    @Test
    void shouldGiveMachineLocalHandlesFromTroupeQueueAndTopicThatWorkersUseThroughTheInterfaces() throws Exception {
        NamedQueue<String> queue = troupe.queue(name, String.class);
        NamedTopic<String> topic = troupe.topic(name, String.class);
        assertThat(queue).isInstanceOf(Queue.class);
        assertThat(topic).isInstanceOf(Topic.class);
        try (queue; topic; TopicSubscription<String> news = topic.subscribe();
             Pool pool = troupe.pool(PoolOptions.workers(1))) {
            int sent = pool.apply(n -> {
                for (int i = 0; i < n; i++) {
                    queue.put("job " + i);
                    topic.publish("news " + i);
                }
                return n;
            }, 3);
            assertThat(sent).isEqualTo(3);
            List<String> jobs = new ArrayList<>();
            List<String> heard = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                jobs.add(queue.get(Duration.ofSeconds(10)));
                heard.add(news.receive(Duration.ofSeconds(10)));
            }
            assertThat(jobs).containsExactly("job 0", "job 1", "job 2");
            assertThat(heard).containsExactly("news 0", "news 1", "news 2");
        }
    }

    @Test
    void shouldJoinWhenAConsumerProcessHasMarkedEveryMessageDone() throws Exception {
        try (JoinableQueue<Integer> queue = JoinableQueue.open(name, Integer.class)) {
            WorkerProcess<Long> consumer = troupe.spawn(SharedQueueTest::sumUntilNegative, queue);
            for (int i = 1; i <= 100; i++) {
                queue.put(i);
            }
            assertThat(queue.join(Duration.ofSeconds(60))).as("every message marked done").isTrue();
            assertThat(queue.unfinished()).isZero();
            queue.put(-1);
            assertThat(consumer.result().get(60, TimeUnit.SECONDS)).isEqualTo(5050L);
        }
    }

    static Integer putThree(Queue<String> queue) throws InterruptedException {
        try (queue) {
            queue.put("a");
            queue.put("b");
            queue.put("c");
        }
        return 3;
    }

    static Long sumUntilNegative(JoinableQueue<Integer> queue) throws InterruptedException {
        long sum = 0;
        try (queue) {
            while (true) {
                int v = queue.get();
                queue.taskDone();
                if (v < 0) {
                    return sum;
                }
                sum += v;
            }
        }
    }
}
