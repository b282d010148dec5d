// Errors are values with a machine-readable code, never strings to parse.
// `reason` is the SUIT report reason (draft-ietf-suit-report); modules/report
// owns that table. Device code throws XsuitError (or a subclass) and nothing else.

export class XsuitError extends Error {
  readonly code: string;
  readonly reason: number;
  readonly detail: Record<string, unknown> | undefined;
  constructor(code: string, message: string, reason = 0, detail?: Record<string, unknown>) {
    super(`${code}: ${message}`);
    this.code = code;
    this.reason = reason;
    this.detail = detail;
  }
}

// The name lives on the prototype, defined rather than assigned: Moddable freezes the
// built-ins, and assigning `this.name` over the frozen Error.prototype.name throws in
// strict code (the "override mistake"), which made every XsuitError itself throw.
Object.defineProperty(XsuitError.prototype, 'name', { value: 'XsuitError', writable: false, enumerable: false, configurable: true });

export function isXsuitError(e: unknown): e is XsuitError {
  return e instanceof XsuitError ||
    (typeof e === 'object' && e !== null && typeof (e as { code?: unknown }).code === 'string' &&
      (e as { name?: unknown }).name === 'XsuitError');
}
