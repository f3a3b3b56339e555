/**
 * The loop's second stage: whether a spec may run (consistency, Secrets present, the guard rails, the forwarder
 * image). A spec that fails is held back: the dependents keep what runs, and status says why.
 */
package dev.sshtunnel.operator.gate;
