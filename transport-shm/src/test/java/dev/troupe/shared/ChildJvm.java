package dev.troupe.shared;

import java.util.ArrayList;
import java.util.List;

/** Starts a child JVM on this test JVM's class path that uses the same shared-object directory. */
final class ChildJvm {
    private ChildJvm() {
    }

    /**
     * @param main the child's main class.
     * @param args its arguments.
     * @return the started process; its output goes to this JVM's.
     */
    static Process start(Class<?> main, String... args) throws java.io.IOException {
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElseThrow(),
            "-Xmx64m", "-XX:+UseSerialGC", "--enable-native-access=ALL-UNNAMED"));
        String directory = System.getProperty("troupe.shared.directory");
        if (directory != null) {
            command.add("-Dtroupe.shared.directory=" + directory);
        }
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), main.getName()));
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT)
            .redirectOutput(ProcessBuilder.Redirect.INHERIT).start();
    }
}
