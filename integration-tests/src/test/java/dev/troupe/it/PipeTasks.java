package dev.troupe.it;

import dev.troupe.shared.Connection;
import dev.troupe.shared.PipeServer;
import java.time.Duration;

/** Tasks that run in worker processes at one end of a pipe or named pipe. */
final class PipeTasks {
    private PipeTasks() {
    }

    /**
     * Echoes each value it receives, and after the value {@code "bytes"} echoes one raw message; stops at
     * {@code "stop"}.
     *
     * @return how many messages it echoed.
     */
    static Integer echo(Connection<Object> connection) {
        int echoed = 0;
        try (connection) {
            while (true) {
                Object value = connection.recv();
                if ("stop".equals(value)) {
                    return echoed;
                }
                if ("bytes".equals(value)) {
                    connection.sendBytes(connection.recvBytes());
                } else {
                    connection.send(value);
                }
                echoed++;
            }
        }
    }

    /** Sends three values on the writing end of a one-way pipe and closes it. */
    static Integer sendThree(Connection<String> writer) {
        try (writer) {
            writer.send("a");
            writer.send("b");
            writer.send("c");
            return 3;
        }
    }

    /** Says it is ready, then never returns: the test kills it. */
    static Integer readyThenHang(Connection<String> connection) throws InterruptedException {
        connection.send("ready");
        Thread.sleep(Long.MAX_VALUE);
        return 0;
    }

    /** Sends one value after a moment, then holds the end open until told to stop. */
    static Integer sendLaterAndHold(Connection<String> connection) throws InterruptedException {
        Thread.sleep(300);
        connection.send("later");
        return "stop".equals(connection.recv()) ? 1 : 0;
    }

    /** Sleeps for the given milliseconds. */
    static Integer sleep(Integer millis) throws InterruptedException {
        Thread.sleep(millis);
        return millis;
    }

    /** A named-pipe client: connects, says who it is, and returns the server's answer. */
    static String client(String name) {
        try (Connection<String> connection = PipeServer.connect(name, Duration.ofSeconds(30))) {
            connection.send("hello from " + ProcessHandle.current().pid());
            return connection.recv();
        }
    }

    /** A named-pipe client that connects, says it is there, and then never returns: the test kills it. */
    static String clientThenHang(String name) throws InterruptedException {
        Connection<String> connection = PipeServer.connect(name, Duration.ofSeconds(30));
        connection.send("here");
        Thread.sleep(Long.MAX_VALUE);
        return "";
    }
}
