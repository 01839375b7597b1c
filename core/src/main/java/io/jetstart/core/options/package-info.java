/**
 * What a library user can set wrong in an options record ({@code GeneratorSpec},
 * {@code RecoveryOptions}, {@code RuntimeOptions}): {@link io.jetstart.core.options.InvalidOptionException},
 * typed so that each front end names the option the way its own user set it (a method for an
 * embedding application, a flag for the command line). Depends on nothing.
 */
package io.jetstart.core.options;
