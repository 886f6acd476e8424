import { AppError, type ErrorCode } from '../../core/errors';

/**
 * Settles an operation to its AppError code, or to `ok` when it succeeds; anything else is rethrown
 * (an unexpected error must fail the test, not become a code).
 */
export async function outcomeOf<Ok extends string>(p: Promise<unknown>, ok: Ok): Promise<Ok | ErrorCode> {
  try {
    await p;
    return ok;
  } catch (e) {
    if (e instanceof AppError) return e.code;
    throw e;
  }
}
