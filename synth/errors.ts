/**
 * Errors that mean "the user asked for something wrong". They live apart from the engine so
 * that the CLI can classify failures without loading cdk8s, yaml or zod.
 */

/** A request the user got wrong (unknown environment or system name): exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A path the user gave does not exist or cannot be read as declarations: a usage error. */
export class LoadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LoadError';
  }
}

/**
 * Something outside syskit refused or failed in a way the message fully explains (a stack
 * locked by another run): exit code 3, reported without a stack trace.
 */
export class ExternalFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExternalFailure';
  }
}

/**
 * Another run still holds the output folder's lock after the wait allowed: nothing in the
 * input is wrong, so this is not a usage error; the message names the holder.
 */
export class OutputBusyError extends ExternalFailure {
  constructor(message: string) {
    super(message);
    this.name = 'OutputBusyError';
  }
}
