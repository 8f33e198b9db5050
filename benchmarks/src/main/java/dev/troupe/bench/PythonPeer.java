package dev.troupe.bench;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs one of the Python peer scripts ({@code benchmarks/python}) and parses its {@code metric value unit} lines. */
final class PythonPeer {
    private final Path dir;

    PythonPeer(Path dir) {
        // Absolute: each script runs with this folder as its working directory.
        this.dir = dir.toAbsolutePath();
    }

    boolean available() {
        return Files.isDirectory(dir) && onPath("python3");
    }

    Map<String, Double> run(String script, long timeoutSeconds) throws Exception {
        return run(dir.resolve(script), timeoutSeconds);
    }

    /** Runs a peer script given by its path, with arguments, in the peers folder. */
    Map<String, Double> run(Path script, long timeoutSeconds, String... args) throws Exception {
        Map<String, Double> out = new HashMap<>();
        List<String> cmd = new java.util.ArrayList<>(List.of("python3", script.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                String[] parts = line.trim().split("\\s+");
                if (parts.length == 3 && !line.startsWith("#")) {
                    try {
                        out.put(parts[0], Double.parseDouble(parts[1]));
                    } catch (NumberFormatException ignored) {
                        // not a metric line
                    }
                }
            }
        }
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
        }
        return out;
    }

    private static boolean onPath(String exe) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String d : path.split(java.io.File.pathSeparator)) {
            if (Files.isExecutable(Path.of(d, exe))) {
                return true;
            }
        }
        return false;
    }
}
