package dev.troupe.cluster;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/**
 * The options {@code troupe node} and {@code troupe status} share (a picocli mixin), and the configuration they
 * make: the flags over the {@code --config} file over {@code ConfigFactory.load()} (application.conf, system
 * properties, the modules' reference.conf).
 */
final class ClusterOptions {
    @Option(names = "--seed", paramLabel = "HOST:PORT", converter = SeedAddress.class,
        description = "A seed node to join (troupe.cluster.seed-nodes); repeat it for several, in the same order on"
            + " every node.")
    List<String> seeds = new ArrayList<>();

    @Option(names = "--secret-file", paramLabel = "FILE",
        description = "An owner-only file (chmod 600) holding the cluster's shared secret"
            + " (troupe.cluster.secret-file). Without it the secret comes from the environment variable"
            + " TROUPE_SECRET. The secret never goes on the command line.")
    Path secretFile;

    @Option(names = "--insecure",
        description = "Allow a bind address that is not a loopback address, with cluster traffic unencrypted"
            + " (troupe.cluster.insecure = on). Only on a trusted network.")
    boolean insecure;

    @Option(names = "--config", paramLabel = "FILE",
        description = "A HOCON file of settings (troupe.cluster.*, pekko.*, ...) under the flags and over the"
            + " defaults.")
    Path configFile;

    /**
     * The node's configuration.
     *
     * @param settings the {@code troupe.cluster} settings the command sets itself, by key under {@code troupe.cluster}.
     * @param spec     the command, for usage errors.
     * @throws CommandLine.ParameterException when the {@code --config} file is missing or not HOCON.
     */
    Config config(Map<String, Object> settings, CommandSpec spec) {
        Map<String, Object> flags = new LinkedHashMap<>();
        if (!seeds.isEmpty()) {
            flags.put("seed-nodes", seeds);
        }
        if (secretFile != null) {
            flags.put("secret-file", secretFile.toAbsolutePath().toString());
        }
        if (insecure) {
            flags.put("insecure", true);
        }
        flags.putAll(settings);
        Map<String, Object> paths = new LinkedHashMap<>();
        flags.forEach((key, value) -> paths.put(ClusterSettings.PATH + "." + key, value));
        Config file = ConfigFactory.empty();
        if (configFile != null) {
            try {
                file = ConfigFactory.parseFile(configFile.toFile(),
                    ConfigParseOptions.defaults().setAllowMissing(false));
            } catch (ConfigException e) {
                throw new CommandLine.ParameterException(spec.commandLine(),
                    "--config " + configFile + ": " + e.getMessage(), e);
            }
        }
        return ConfigFactory.parseMap(paths, "command line").withFallback(file).withFallback(ConfigFactory.load());
    }

    /**
     * Runs a command with picocli; a usage error prints the message, the synopsis and a pointer to {@code --help} on
     * stderr (not the whole help).
     *
     * @return the exit code: the command's, 2 on a usage error.
     */
    static int execute(Object command, String... args) {
        CommandLine commandLine = new CommandLine(command);
        commandLine.setParameterExceptionHandler((e, arguments) -> {
            CommandLine c = e.getCommandLine();
            PrintWriter err = c.getErr();
            err.println(c.getColorScheme().errorText(e.getMessage()));
            CommandLine.UnmatchedArgumentException.printSuggestions(e, err);
            err.print(c.getHelp().fullSynopsis());
            err.println("Try '" + c.getCommandSpec().qualifiedName() + " --help' for more information.");
            err.flush();
            return c.getCommandSpec().exitCodeOnInvalidInput();
        });
        return commandLine.execute(args);
    }

    /** Checks a {@code host:port} as {@code troupe.cluster.seed-nodes} does (port 1-65535). */
    static final class SeedAddress implements CommandLine.ITypeConverter<String> {
        @Override
        public String convert(String value) {
            return hostPort(value, false);
        }
    }

    /** Checks a {@code host:port} as {@code troupe.cluster.bind} does (port 0: any free port). */
    static final class BindAddress implements CommandLine.ITypeConverter<String> {
        @Override
        public String convert(String value) {
            return hostPort(value, true);
        }
    }

    private static String hostPort(String value, boolean anyPort) {
        String key = "HOST:PORT";
        try {
            return ClusterSettings.HostPort.parse(value, key, anyPort).toString();
        } catch (IllegalArgumentException e) {
            String message = String.valueOf(e.getMessage());
            throw new CommandLine.TypeConversionException(
                message.startsWith(key + ": ") ? message.substring(key.length() + 2) : message);
        }
    }
}
