/**
 * INTERNAL API: the worker JVM's runtime. It does not start Pekko, so it starts fast and stays small.
 */
package dev.troupe.internal.worker;
