package dev.troupe.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.typesafe.config.ConfigFactory;
import dev.troupe.CodecException;
import dev.troupe.Troupe;
import dev.troupe.TroupeException;
import dev.troupe.WorkerProcess;
import dev.troupe.shared.Connection;
import dev.troupe.shared.ConnectionClosedException;
import dev.troupe.shared.Event;
import dev.troupe.shared.Pipe;
import dev.troupe.shared.PipeServer;
import dev.troupe.shared.Waits;
import dev.troupe.spi.support.ProcessConfig;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Pipes and named pipes between this JVM and worker processes. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class PipeTest {
    /** A value the codec carries as a record. */
    record Point(int x, String label) {
    }

    private static Path directory;
    /** Whether the directory was there before this class: one it brings back (a deleted one another test class
     * configured) it removes again. */
    private static boolean directoryExisted;
    private Troupe troupe;
    private final List<WorkerProcess<?>> started = new ArrayList<>();

    @BeforeAll
    static void findDirectory() {
        // Workers must find this process's shared objects: they get the directory this process uses.
        String configured = ProcessConfig.get().getString("troupe.shared.directory");
        directory = configured.isBlank()
            ? Path.of(Files.isDirectory(Path.of("/dev/shm")) ? "/dev/shm" : System.getProperty("java.io.tmpdir"))
                .resolve("troupe-shared-" + System.getProperty("user.name").replaceAll("[^A-Za-z0-9._-]", "_"))
            : Path.of(configured);
        // The default directory is shared with every process of this user: never removed here.
        directoryExisted = configured.isBlank() || Files.isDirectory(directory);
    }

    @AfterAll
    static void removeDirectoryIfBroughtBack() throws Exception {
        if (!directoryExisted && Files.isDirectory(directory)) {
            try (Stream<Path> files = Files.list(directory)) {
                for (Path f : files.toList()) {
                    Files.deleteIfExists(f);
                }
            }
            Files.deleteIfExists(directory);
        }
    }

    @BeforeEach
    void start() {
        troupe = Troupe.local(ConfigFactory.parseMap(Map.of("troupe.worker.jvm-options", List.of(
            "-XX:+UseSerialGC", "--enable-native-access=ALL-UNNAMED", "-Dtroupe.shared.directory=" + directory))));
    }

    @AfterEach
    void stop() throws Exception {
        started.forEach(WorkerProcess::kill);
        troupe.close();
        assertThat(ProcessHandle.current().children().filter(ProcessHandle::isAlive).count()).isZero();
        // Pipes of this JVM whose other end died after this end closed: the next Pipe.create would sweep them.
        try (Stream<Path> files = Files.list(directory)) {
            for (Path f : files.filter(f -> f.getFileName().toString().startsWith(
                "pipe.p" + ProcessHandle.current().pid() + "-")).toList()) {
                Files.deleteIfExists(f);
            }
        }
    }

    private <I, O> WorkerProcess<O> spawn(dev.troupe.Task<I, O> task, I input) {
        WorkerProcess<O> p = troupe.spawn(task, input);
        started.add(p);
        return p;
    }

    private Set<Path> pipeFiles() throws Exception {
        try (Stream<Path> files = Files.list(directory)) {
            return Set.copyOf(files.filter(f -> f.getFileName().toString().startsWith("pipe.")).toList());
        }
    }

    @Test
    void shouldCarryValuesAndBytesBothWaysBetweenParentAndChild() throws Exception {
        Set<Path> before = pipeFiles();
        Pipe<Object> pipe = Pipe.create();
        Connection<Object> parent = pipe.first();
        WorkerProcess<Integer> child = spawn(PipeTasks::echo, pipe.second());
        pipe.second().close(); // as in Python: the parent closes the child's end; it has moved to the child

        List<Object> values = List.of("hello", 42, 7L, 2.5, List.of(1, 2, 3), Map.of("k", "v"),
            new Point(3, "three"), "x".repeat(200_000));
        for (Object v : values) {
            parent.send(v);
            assertThat(parent.recv()).isEqualTo(v);
        }
        byte[] big = new byte[3 * 1024 * 1024 + 17]; // many times a ring record: travels in fragments
        new java.util.Random(1).nextBytes(big);
        parent.send("bytes");
        parent.sendBytes(big);
        assertThat(parent.recvBytes()).isEqualTo(big);
        parent.send("bytes");
        parent.sendBytes(new byte[0]);
        assertThat(parent.recvBytes()).isEmpty();
        assertThat(parent.poll()).as("nothing is waiting").isFalse();

        parent.send("stop");
        assertThat(child.result().get(60, TimeUnit.SECONDS)).isEqualTo(values.size() + 2);
        assertThatThrownBy(parent::recv).isInstanceOf(ConnectionClosedException.class)
            .hasMessageContaining("was closed");
        assertThat(parent.poll()).as("a closed peer makes the end readable: recv fails at once").isTrue();
        parent.close();
        assertThat(pipeFiles()).as("the segment goes when both ends are closed").isEqualTo(before);
    }

    @Test
    void shouldEchoMessagesOfRandomSizesWholeAndInOrderWhileBothSidesSendAhead() throws Exception {
        try (Pipe<Object> pipe = Pipe.create()) {
            Connection<Object> parent = pipe.first();
            WorkerProcess<Integer> child = spawn(PipeTasks::echo, pipe.second());
            java.util.Random random = new java.util.Random(11);
            java.util.ArrayDeque<byte[]> inFlight = new java.util.ArrayDeque<>();
            int sent = 0;
            int echoed = 0;
            int inFlightBytes = 0;
            while (echoed < 400) {
                // Messages from empty to several rings' worth, sent ahead of the echoes, so that fragments of one
                // message and whole messages interleave with the echoes coming back. Only while the echoes owed
                // fit in the child's ring (256 KiB): otherwise both sides would wait to send, as with any pipe.
                if (sent < 400 && inFlightBytes < 150_000 && random.nextBoolean()) {
                    byte[] m = new byte[random.nextInt(4) == 0 ? random.nextInt(700_000) : random.nextInt(300)];
                    random.nextBytes(m);
                    parent.send("bytes");
                    parent.sendBytes(m);
                    inFlight.add(m);
                    inFlightBytes += m.length;
                    sent++;
                } else if (!inFlight.isEmpty()) {
                    byte[] expected = inFlight.poll();
                    inFlightBytes -= expected.length;
                    assertThat(parent.recvBytes()).as("echo " + echoed).isEqualTo(expected);
                    echoed++;
                }
            }
            parent.send("stop");
            assertThat(child.result().get(60, TimeUnit.SECONDS)).isEqualTo(400);
        }
    }

    @Test
    void shouldRefuseTheWrongDirectionOfAOneWayPipe() throws Exception {
        Pipe<String> pipe = Pipe.create(false);
        Connection<String> reader = pipe.first();
        assertThatThrownBy(() -> reader.send("no")).isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("only receives");
        assertThatThrownBy(() -> pipe.second().recv()).isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("only sends");
        WorkerProcess<Integer> child = spawn(PipeTasks::sendThree, pipe.second());
        assertThat(List.of(reader.recv(), reader.recv(), reader.recv())).containsExactly("a", "b", "c");
        assertThat(child.result().get(60, TimeUnit.SECONDS)).isEqualTo(3);
        assertThatThrownBy(reader::recv).isInstanceOf(ConnectionClosedException.class);
        assertThatThrownBy(() -> pipe.second().send("moved")).isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("passed to another process");
        pipe.close();
    }

    @Test
    void shouldFailRecvPromptlyWhenThePeerIsKilled() throws Exception {
        Set<Path> before = pipeFiles();
        try (Pipe<String> pipe = Pipe.create()) {
            WorkerProcess<Integer> child = spawn(PipeTasks::readyThenHang, pipe.second());
            assertThat(pipe.first().recv()).isEqualTo("ready");
            long pid = child.pid();
            child.kill();
            // Nothing else would ever arrive: without noticing the death, this recv would hang past the time-out.
            assertThatThrownBy(() -> pipe.first().recv()).isInstanceOf(ConnectionClosedException.class)
                .hasMessageContaining("pid " + pid).hasMessageContaining("has exited");
            assertThatThrownBy(() -> pipe.first().send("anyone?")).isInstanceOf(ConnectionClosedException.class);
        }
        assertThat(pipeFiles()).as("closing the end whose peer was killed removes the segment").isEqualTo(before);
    }

    @Test
    void shouldNameTheOneThatFiredAmongAConnectionAProcessAndAnEvent() throws Exception {
        Set<Path> before = pipeFiles();
        String eventName = "it-pipe-" + System.nanoTime();
        try (Pipe<String> pipe = Pipe.create(); Event event = Event.open(eventName)) {
            Connection<String> connection = pipe.first();
            WorkerProcess<Integer> holder = spawn(PipeTasks::sendLaterAndHold, pipe.second());
            WorkerProcess<Integer> sleeper = spawn(PipeTasks::sleep, 600_000);
            assertThat(Waits.any(Duration.ofMillis(20), connection, Waits.exited(sleeper), event)).isEqualTo(-1);

            assertThat(Waits.any(Duration.ofSeconds(60), connection, Waits.exited(sleeper), event)).isZero();
            assertThat(Connection.wait(List.of(connection), Duration.ZERO)).containsExactly(connection);
            assertThat(connection.recv()).isEqualTo("later");

            assertThat(spawn(SharedTasks::setEvent, eventName).result().get(60, TimeUnit.SECONDS)).isTrue();
            assertThat(Waits.any(Duration.ofSeconds(60), connection, Waits.exited(sleeper), event)).isEqualTo(2);
            event.clear();

            sleeper.kill();
            assertThat(Waits.any(Duration.ofSeconds(60), connection, Waits.exited(sleeper), event)).isEqualTo(1);
            assertThat(Waits.any(Duration.ZERO, Waits.exited(ProcessHandle.current()))).isEqualTo(-1);

            connection.send("stop");
            assertThat(holder.result().get(60, TimeUnit.SECONDS)).isEqualTo(1);
        } finally {
            Event.unlink(eventName);
        }
        // The holder's worker ends without closing its end: this process removes the segment when it exits.
        while (!pipeFiles().equals(before)) {
            Thread.sleep(20);
        }
    }

    @Test
    void shouldServeThreeClientProcessesOnANamedPipe() throws Exception {
        String name = "it-npipe-" + System.nanoTime();
        try (PipeServer server = PipeServer.listen(name)) {
            assertThatThrownBy(() -> PipeServer.listen(name)).isInstanceOf(TroupeException.class)
                .hasMessageContaining("already listens");
            assertThat(server.accept(Duration.ZERO)).as("refusing a second server connects nothing").isNull();
            assertThat(Files.getPosixFilePermissions(server.path()))
                .isEqualTo(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
            List<WorkerProcess<String>> clients = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                clients.add(spawn(PipeTasks::client, name));
            }
            List<Connection<String>> connections = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                Connection<String> c = server.accept(Duration.ofSeconds(60));
                assertThat(c).as("client " + i + " connected").isNotNull();
                connections.add(c);
            }
            List<Connection<String>> pending = new ArrayList<>(connections);
            while (!pending.isEmpty()) {
                for (Connection<String> ready : Connection.wait(pending, Duration.ofSeconds(60))) {
                    String hello = ready.recv();
                    assertThat(hello).startsWith("hello from ");
                    ready.send("welcome, " + hello.substring("hello from ".length()));
                    pending.remove(ready);
                }
            }
            for (WorkerProcess<String> client : clients) {
                assertThat(client.result().get(60, TimeUnit.SECONDS)).isEqualTo("welcome, " + client.pid());
            }
            for (Connection<String> c : connections) {
                assertThatThrownBy(c::recv).as("the client closed its end").isInstanceOf(
                    ConnectionClosedException.class);
                c.close();
            }

            WorkerProcess<String> doomed = spawn(PipeTasks::clientThenHang, name);
            try (Connection<String> c = server.accept(Duration.ofSeconds(60))) {
                assertThat(c.recv()).isEqualTo("here");
                doomed.kill();
                assertThatThrownBy(c::recv).isInstanceOf(ConnectionClosedException.class);
            }
        }
        assertThatThrownBy(() -> PipeServer.connect(name)).isInstanceOf(TroupeException.class)
            .hasMessageContaining("no server listens");
    }

    @Test
    void shouldRefuseBadValuesAndOversizedMessagesWithoutDisturbingThePipe() {
        try (Pipe<Object> pipe = Pipe.create()) {
            Connection<Object> a = pipe.first();
            Connection<Object> b = pipe.second();
            assertThatThrownBy(() -> a.send(new Thread())).isInstanceOf(CodecException.class)
                .hasMessageContaining("java.lang.Thread");
            int limit = 64 * 1024 * 1024;
            assertThatThrownBy(() -> a.sendBytes(new byte[limit + 1])).isInstanceOf(CodecException.class)
                .hasMessageContaining((limit + 1) + " bytes").hasMessageContaining("limit of " + limit);

            a.sendBytes(new byte[] {1, 2});
            assertThatThrownBy(b::recv).isInstanceOf(CodecException.class).hasMessageContaining("recvBytes");
            assertThat(b.recvBytes()).as("the refused recv left the message").containsExactly(1, 2);
            a.send(5);
            assertThatThrownBy(b::recvBytes).isInstanceOf(CodecException.class).hasMessageContaining("recv");
            assertThatThrownBy(() -> b.recv(String.class)).isInstanceOf(CodecException.class)
                .hasMessageContaining("java.lang.String").hasMessageContaining("java.lang.Integer");
            a.send("still fine");
            assertThat(b.recv(String.class)).isEqualTo("still fine");
        }
    }

    @Test
    void shouldRefuseATamperedSegmentAndAnotherUsersPipe() throws Exception {
        Set<Path> before = pipeFiles();
        Pipe<String> pipe = Pipe.create();
        Path file = pipeFiles().stream().filter(f -> !before.contains(f)).findFirst().orElseThrow();
        byte[] handle = serialize(pipe.second());
        assertThat(Files.getPosixFilePermissions(file))
            .isEqualTo(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(new byte[] {9, 9, 9, 9}), 64 + 8); // the ring size
        }
        assertThatThrownBy(() -> deserialize(handle)).hasMessageContaining("unknown layout")
            .hasMessageContaining(file.toString());
        pipe.close();

        assumeTrue("root".equals(System.getProperty("user.name")), "changing a file's owner needs root");
        Pipe<String> other = Pipe.create();
        Path otherFile = pipeFiles().stream().filter(f -> !before.contains(f) && !f.equals(file)).findFirst()
            .orElseThrow();
        byte[] otherHandle = serialize(other.second());
        Files.setOwner(otherFile, otherFile.getFileSystem().getUserPrincipalLookupService()
            .lookupPrincipalByName("nobody"));
        assertThatThrownBy(() -> deserialize(otherHandle)).hasMessageContaining("belongs to nobody");
        other.close();
        Files.deleteIfExists(file);
        Files.deleteIfExists(otherFile);

        String name = "it-npipe-owner-" + System.nanoTime();
        try (PipeServer server = PipeServer.listen(name)) {
            Files.setOwner(server.path(), server.path().getFileSystem().getUserPrincipalLookupService()
                .lookupPrincipalByName("nobody"));
            assertThatThrownBy(() -> PipeServer.connect(name)).hasMessageContaining("belongs to nobody");
        }
    }

    private static byte[] serialize(Object o) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(o);
        }
        return bytes.toByteArray();
    }

    private static Object deserialize(byte[] bytes) throws Exception {
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes))) {
            return in.readObject();
        }
    }
}
