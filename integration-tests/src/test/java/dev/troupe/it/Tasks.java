package dev.troupe.it;

import java.util.List;
import java.util.Map;

/** Values and tasks the tests send to workers. */
final class Tasks {
    private Tasks() {
    }

    record Point(int x, String label, List<Integer> tags) {
    }

    enum Colour { RED, GREEN }

    static Long pid(Object ignored) {
        return ProcessHandle.current().pid();
    }

    static Object boom(String message) {
        throw new IllegalStateException(message, new ArithmeticException("root cause"));
    }

    static Integer sleepThenAnswer(Integer millis) throws InterruptedException {
        System.out.println("sleeping " + millis + " ms");
        Thread.sleep(millis);
        return 42;
    }

    static Map<String, Object> echoAll(Map<String, Object> in) {
        return in;
    }
}
