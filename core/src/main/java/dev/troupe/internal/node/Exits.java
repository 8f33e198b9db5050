package dev.troupe.internal.node;

/**
 * INTERNAL API. Exit statuses as users read them: the JDK reports a process ended by signal N as 128 + N;
 * Troupe reports it as -N, as Python does.
 */
final class Exits {
    private Exits() {
    }

    static int pythonStyle(int raw) {
        return raw > 128 && raw <= 128 + 64 ? -(raw - 128) : raw;
    }

    static String describe(Integer code) {
        if (code == null) {
            return "link lost while the process still ran";
        }
        if (code < 0) {
            return "killed by " + signalName(-code) + " (signal " + -code + ")";
        }
        return "exited with code " + code;
    }

    static String signalName(int signal) {
        switch (signal) {
            case 1: return "SIGHUP";
            case 2: return "SIGINT";
            case 3: return "SIGQUIT";
            case 4: return "SIGILL";
            case 6: return "SIGABRT";
            case 7: return "SIGBUS";
            case 8: return "SIGFPE";
            case 9: return "SIGKILL";
            case 11: return "SIGSEGV";
            case 13: return "SIGPIPE";
            case 14: return "SIGALRM";
            case 15: return "SIGTERM";
            default: return "SIG" + signal;
        }
    }
}
