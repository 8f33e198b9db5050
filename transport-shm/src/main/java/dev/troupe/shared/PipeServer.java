package dev.troupe.shared;

import dev.troupe.TroupeException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;

/**
 * A named pipe between unrelated processes of this user, as Win32's {@code CreateNamedPipe} /
 * {@code ConnectNamedPipe}: a server {@linkplain #listen listens} on a name, clients {@linkplain #connect connect}
 * to it by name, and each accepted connection is a {@link Connection}.
 *
 * <p>The name is a Unix domain socket, {@code npipe.NAME}, in this user's owner-only directory of shared objects
 * (0700; {@code troupe.shared.directory}); the socket file is 0600. A client refuses a socket file that another user
 * owns, and both sides check the peer's credentials ({@code SO_PEERCRED}) where the platform gives them: a process
 * of another user is refused. A client's death closes its socket, so the server's {@code recv} fails at once.
 * Thread-safe.
 */
public final class PipeServer implements AutoCloseable {
    static final String KIND = "npipe";
    /** Unix domain socket paths are at most 107 bytes on Linux. */
    private static final int MAX_PATH_BYTES = 107;
    private static final AtomicInteger ACCEPTED = new AtomicInteger();

    private final String name;
    private final Path path;
    private final ServerSocketChannel server;
    private final Selector selector;
    private final int maxMessage;
    private final FileChannel lockFile;
    private volatile boolean closed;

    private PipeServer(String name, Path path, ServerSocketChannel server, Selector selector, int maxMessage,
                       FileChannel lockFile) {
        this.lockFile = lockFile;
        this.name = name;
        this.path = path;
        this.server = server;
        this.selector = selector;
        this.maxMessage = maxMessage;
    }

    /**
     * Listens on a name. A socket file left by a server that is gone is replaced. The server holds a lock on
     * {@code npipe.NAME.lock} beside the socket while it listens: a second server on the name is refused without
     * connecting to the first.
     *
     * @param name letters, digits, {@code . _ -}, short enough for a socket path.
     * @return the server; close it to stop listening and remove the name.
     * @throws TroupeException when another server listens on the name, or the socket cannot be bound.
     */
    public static PipeServer listen(String name) {
        Path path = socketPath(name);
        int maxMessage = ConnectionCodec.configuredMaxMessage();
        FileChannel lock = lockName(name, path);
        try {
            Files.deleteIfExists(path); // left by a server that died: the lock is ours
            ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            try {
                server.bind(UnixDomainSocketAddress.of(path));
                if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
                    Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
                }
                server.configureBlocking(false);
                Selector selector = Selector.open();
                server.register(selector, SelectionKey.OP_ACCEPT);
                return new PipeServer(name, path, server, selector, maxMessage, lock);
            } catch (IOException | RuntimeException e) {
                server.close();
                Files.deleteIfExists(path);
                throw e;
            }
        } catch (IOException | RuntimeException e) {
            unlock(lock, lockPath(path));
            if (e instanceof RuntimeException) {
                throw (RuntimeException) e;
            }
            throw new TroupeException("cannot listen on named pipe '" + name + "' at " + path + ": " + e, e);
        }
    }

    private static Path lockPath(Path socket) {
        return socket.resolveSibling(socket.getFileName() + ".lock");
    }

    /**
     * Takes the name's lock file, or refuses when a server holds it; a file that a closing server removed between
     * the open and the lock is let go and the new one taken.
     */
    private static FileChannel lockName(String name, Path path) {
        Path lockPath = lockPath(path);
        for (int attempt = 0; attempt < 100; attempt++) {
            FileChannel ch = null;
            try {
                ch = FileChannel.open(lockPath, Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE),
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                Object opened = Files.readAttributes(lockPath, BasicFileAttributes.class).fileKey();
                FileLock lock;
                try {
                    lock = ch.tryLock();
                } catch (OverlappingFileLockException e) {
                    lock = null; // this JVM listens on it already
                }
                if (lock == null) {
                    ch.close();
                    throw new TroupeException("a server already listens on named pipe '" + name + "' (" + path + ")");
                }
                Object locked = Files.readAttributes(lockPath, BasicFileAttributes.class).fileKey();
                if (locked == null || locked.equals(opened)) {
                    return ch;
                }
                ch.close(); // the file was replaced between opening and locking: take the new one
            } catch (NoSuchFileException e) {
                closeQuietly(ch); // removed by a server that was closing: try again
            } catch (IOException e) {
                closeQuietly(ch);
                throw new TroupeException("cannot lock named pipe '" + name + "' at " + lockPath + ": " + e, e);
            }
        }
        throw new TroupeException("the lock file of named pipe '" + name + "' at " + lockPath
            + " keeps changing while being locked");
    }

    private static void unlock(FileChannel lock, Path lockPath) {
        try {
            Files.deleteIfExists(lockPath);
        } catch (IOException ignored) {
            // closing: nothing more to do
        }
        closeQuietly(lock);
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c != null) {
            try {
                c.close();
            } catch (Exception ignored) {
                // closing: nothing more to do
            }
        }
    }

    /**
     * Waits for the next client and accepts it.
     *
     * @param <T> the type of the values the connection carries.
     * @return its connection.
     * @throws IllegalStateException when the server is closed, also while waiting.
     */
    public <T> Connection<T> accept() {
        Connection<T> c;
        do {
            c = accept(Duration.ofDays(1));
        } while (c == null);
        return c;
    }

    /**
     * Accepts the next client, waiting up to {@code timeout} for one.
     *
     * @param timeout how long to wait; zero looks once.
     * @param <T>     the type of the values the connection carries.
     * @return its connection, or {@code null} when none came in time.
     * @throws IllegalStateException when the server is closed, also while waiting.
     */
    public <T> Connection<T> accept(Duration timeout) {
        long deadline = SharedObject.deadline(timeout.toNanos());
        synchronized (server) {
            try {
                while (true) {
                    checkOpen();
                    SocketChannel channel = server.accept();
                    if (channel != null) {
                        try {
                            checkPeer(channel, "client of named pipe '" + name + "'");
                            return new SocketConnection<>(channel, "named pipe '" + name + "' (accepted #"
                                + ACCEPTED.incrementAndGet() + ")", maxMessage);
                        } catch (TroupeException | IOException e) {
                            channel.close();
                            throw e;
                        }
                    }
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        return null;
                    }
                    selector.select(Math.max(1, TimeUnit.NANOSECONDS.toMillis(Math.min(left,
                        SharedObject.SLICE_NANOS))));
                    selector.selectedKeys().clear();
                }
            } catch (IOException | java.nio.channels.ClosedSelectorException e) {
                checkOpen();
                throw new TroupeException("accepting on named pipe '" + name + "' failed: " + e, e);
            }
        }
    }

    /**
     * Connects to the server listening on a name.
     *
     * @param name the name the server listens on.
     * @param <T>  the type of the values the connection carries.
     * @return the connection.
     * @throws TroupeException when no server listens on the name, or the name is another user's.
     */
    public static <T> Connection<T> connect(String name) {
        return connect(name, Duration.ZERO);
    }

    /**
     * Connects to the server listening on a name, waiting up to {@code timeout} for one to listen (Win32's
     * {@code WaitNamedPipe}).
     *
     * @param name    the name the server listens on.
     * @param timeout how long to wait for a server.
     * @param <T>     the type of the values the connection carries.
     * @return the connection.
     * @throws TroupeException when no server listens on the name in time, or the name is another user's.
     */
    public static <T> Connection<T> connect(String name, Duration timeout) {
        Path path = socketPath(name);
        long deadline = SharedObject.deadline(timeout.toNanos());
        while (true) {
            if (Files.exists(path)) {
                checkOwner(path, name);
                try {
                    SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(path));
                    try {
                        checkPeer(channel, "server of named pipe '" + name + "'");
                        return new SocketConnection<>(channel, "named pipe '" + name + "' (client)",
                            ConnectionCodec.configuredMaxMessage());
                    } catch (TroupeException | IOException e) {
                        channel.close();
                        throw e;
                    }
                } catch (IOException e) {
                    if (System.nanoTime() >= deadline) {
                        throw new TroupeException("cannot connect to named pipe '" + name + "' at " + path + ": "
                            + e, e);
                    }
                }
            } else if (System.nanoTime() >= deadline) {
                throw new TroupeException("no server listens on named pipe '" + name + "' (looked for " + path
                    + ")");
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new TroupeException("interrupted while waiting for named pipe '" + name + "'", e);
            }
        }
    }

    private static void checkOwner(Path path, String name) {
        try {
            String owner = Files.getOwner(path).getName();
            if (!owner.equals(System.getProperty("user.name"))) {
                throw new TroupeException("refusing named pipe '" + name + "' at " + path + ": it belongs to " + owner
                    + ", not to this user");
            }
            if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
                Set<PosixFilePermission> perms = Files.getPosixFilePermissions(path);
                if (!perms.equals(PosixFilePermissions.fromString("rw-------"))) {
                    throw new TroupeException("refusing named pipe '" + name + "' at " + path + ": its permissions"
                        + " are " + PosixFilePermissions.toString(perms) + ", not rw-------");
                }
            }
        } catch (UnsupportedOperationException | IOException e) {
            // no owners here: the directory's permissions are all there is
        }
    }

    /** Refuses a peer process of another user, where the platform tells who the peer is. */
    private static void checkPeer(SocketChannel channel, String what) {
        UnixDomainPrincipal peer;
        try {
            peer = channel.getOption(ExtendedSocketOptions.SO_PEERCRED);
        } catch (UnsupportedOperationException | IOException e) {
            return; // no peer credentials here: the directory's and socket's permissions are all there is
        }
        String me = System.getProperty("user.name");
        if (peer != null && !peer.user().getName().equals(me)) {
            throw new TroupeException("refused the " + what + ": it runs as " + peer.user().getName() + ", not as "
                + me);
        }
    }

    static Path socketPath(String name) {
        Path path = NamedSegment.pathOf(KIND, name).toAbsolutePath();
        int bytes = path.toString().getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_PATH_BYTES) {
            throw new IllegalArgumentException("named pipe name '" + name + "' is too long: its socket " + path
                + " is " + bytes + " bytes, and a socket path is at most " + MAX_PATH_BYTES);
        }
        return path;
    }

    /**
     * @return the name it listens on.
     */
    public String name() {
        return name;
    }

    /**
     * @return the socket file.
     */
    public Path path() {
        return path;
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("named pipe server '" + name + "' is closed");
        }
    }

    /** Stops listening and removes the name; connections already accepted stay open. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        selector.wakeup();
        try {
            server.close();
            Files.deleteIfExists(path);
        } catch (IOException ignored) {
            // closing: nothing more to do
        }
        unlock(lockFile, lockPath(path));
        synchronized (server) {
            try {
                selector.close();
            } catch (IOException ignored) {
                // closing
            }
        }
    }

    @Override
    public String toString() {
        return "PipeServer['" + name + "' at " + path + (closed ? ", closed" : "") + "]";
    }
}
