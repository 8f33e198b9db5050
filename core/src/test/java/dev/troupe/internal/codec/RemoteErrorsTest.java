package dev.troupe.internal.codec;

import static org.assertj.core.api.Assertions.assertThat;

import dev.troupe.RemoteThrowable;
import org.junit.jupiter.api.Test;

class RemoteErrorsTest {
    @Test
    void shouldKeepClassMessageStackAndCauseChain() {
        Exception original = new IllegalStateException("outer", new java.io.IOException("inner"));
        RemoteThrowable back = RemoteErrors.fromWire(RemoteErrors.toWire(original));
        assertThat(back.remoteClassName()).isEqualTo("java.lang.IllegalStateException");
        assertThat(back.remoteMessage()).isEqualTo("outer");
        assertThat(back.getStackTrace()).hasSameSizeAs(original.getStackTrace());
        StackTraceElement top = back.getStackTrace()[0];
        assertThat(top.getClassName()).isEqualTo(original.getStackTrace()[0].getClassName());
        assertThat(top.getMethodName()).isEqualTo(original.getStackTrace()[0].getMethodName());
        assertThat(top.getLineNumber()).isEqualTo(original.getStackTrace()[0].getLineNumber());
        assertThat(back.getCause()).hasToString("java.io.IOException: inner");
    }

    @Test
    void shouldStopAtCyclicCauses() {
        Exception a = new Exception("a");
        Exception b = new Exception("b", a);
        a.initCause(b);
        RemoteThrowable back = RemoteErrors.fromWire(RemoteErrors.toWire(a));
        assertThat(back.getCause().getCause()).isNull();
    }
}
