import { dev } from '../../environments';
import { parseFleet, ValidationError } from '../../model';

/**
 * The problems `parseFleet` reports for these declarations, as `<path>: <message>` lines; none
 * for a valid fleet. Anything but a validation error is rethrown, so a crash never passes as
 * "no problems".
 */
export function fleetProblems(systems: unknown[], environments: unknown[] = [dev]): string[] {
  try {
    parseFleet(systems, environments);
    return [];
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    return error.issues.map((i) => `${i.path}: ${i.message}`);
  }
}
