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

    /** A class-based task with a no-arg constructor, and state of its own. */
    public static final class Greeter implements dev.troupe.Task<String, String> {
        private static final long serialVersionUID = 1L;
        private final String greeting;

        public Greeter() {
            this("hello");
        }

        Greeter(String greeting) {
            this.greeting = greeting;
        }

        @Override
        public String apply(String name) {
            return greeting + ", " + name;
        }
    }

    /** A per-worker resource opened by a pool initializer. */
    static volatile String resource;

    static Object openResource(Void ignored) {
        resource = "opened in " + ProcessHandle.current().pid();
        return null;
    }

    static String readResource(Integer ignored) {
        return resource;
    }

    static Long pid(Object ignored) {
        return ProcessHandle.current().pid();
    }

    /** Returns its input after checking, in the worker, that it is the 64 MiB the test made from seed 64. */
    static byte[] checkedEcho(byte[] in) {
        byte[] expected = new byte[in.length];
        new java.util.Random(64).nextBytes(expected);
        if (!java.util.Arrays.equals(in, expected)) {
            throw new IllegalStateException("payload of " + in.length + " bytes arrived changed");
        }
        return in;
    }

    static Long sleepThenPid(Integer millis) throws InterruptedException {
        Thread.sleep(millis);
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

    /** The square of its input, after a pause, so a map takes long enough to kill a worker in the middle. */
    static Integer slowSquare(Integer x) throws InterruptedException {
        Thread.sleep(10);
        return x * x;
    }
}
