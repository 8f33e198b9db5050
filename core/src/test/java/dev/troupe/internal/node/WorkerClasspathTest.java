package dev.troupe.internal.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.OutputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WorkerClasspathTest {
    @TempDir
    Path tmp;

    private Path jar(String name) throws Exception {
        Path jar = tmp.resolve(name);
        try (OutputStream out = Files.newOutputStream(jar);
             JarOutputStream j = new JarOutputStream(out, new Manifest())) {
            j.finish();
        }
        return jar;
    }

    @Test
    void shouldAddTheUrlsOfClassLoadersThatAreNotOnTheJavaClassPath() throws Exception {
        Path jar = jar("tasks.jar");
        Path dir = Files.createDirectory(tmp.resolve("classes"));
        Path parentJar = jar("parent.jar");
        String javaClassPath = "/opt/app/a.jar" + File.pathSeparator + "/opt/app/classes";
        try (URLClassLoader parent = new URLClassLoader(new URL[] {parentJar.toUri().toURL()}, null);
             URLClassLoader loader = new URLClassLoader(new URL[] {jar.toUri().toURL(), dir.toUri().toURL()}, parent)) {
            List<String> entries = WorkerClasspath.entries(javaClassPath, List.of(loader), List.of());
            assertThat(entries).containsExactly("/opt/app/a.jar", "/opt/app/classes", parentJar.toString(),
                jar.toString(), dir.toString());
        }
    }

    @Test
    void shouldAddCodeSourcesOfClassesOnceAndKeepOrder() throws Exception {
        Path jar = jar("tasks.jar");
        Path testClasses = Path.of(WorkerClasspathTest.class.getProtectionDomain().getCodeSource().getLocation()
            .toURI());
        // The jar is both on the class path and in a loader: it appears once, where it came first.
        String javaClassPath = jar + File.pathSeparator + File.pathSeparator + jar;
        try (URLClassLoader loader = new URLClassLoader(new URL[] {jar.toUri().toURL()}, null)) {
            List<String> entries = WorkerClasspath.entries(javaClassPath, List.of(loader),
                List.of(WorkerClasspathTest.class, String.class, WorkerClasspathTest.class));
            assertThat(entries).containsExactly(jar.toString(), testClasses.toString());
        }
    }

    @Test
    void shouldMakeRelativeEntriesAbsolute() {
        List<String> entries = WorkerClasspath.entries("lib/x.jar", List.of(), List.of());
        assertThat(entries).containsExactly(Path.of("lib/x.jar").toAbsolutePath().toString());
    }
}
