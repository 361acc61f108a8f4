/**
 * The API's errors, `{"error": {"code", "message", "details"}}` (PRODUCT §9), as one exception the
 * console shows in a flash message with the API's own message.
 */

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }

  get expired(): boolean {
    return this.status === 401;
  }
}

/** An ApiError from whatever body came back (the API's shape, a gateway's, or none at all). */
export function apiError(status: number, body: unknown): ApiError {
  const outer = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  const inner = outer['error'];
  if (typeof inner === 'object' && inner !== null) {
    const error = inner as Record<string, unknown>;
    const details = error['details'];
    return new ApiError(
      status,
      typeof error['code'] === 'string' ? error['code'] : 'error',
      typeof error['message'] === 'string' ? error['message'] : `the request failed (HTTP ${status})`,
      typeof details === 'object' && details !== null ? (details as Record<string, unknown>) : {},
    );
  }
  const message = outer['message'];
  return new ApiError(
    status,
    'error',
    typeof message === 'string' ? message : `the request failed (HTTP ${status})`,
  );
}

/** Messages of a 400's field errors (`details.errors`), and a 422's template problems. */
export function problemsOf(error: unknown): string[] {
  if (!(error instanceof ApiError)) {
    return [];
  }
  const found: string[] = [];
  const errors = error.details['errors'];
  if (Array.isArray(errors)) {
    for (const item of errors) {
      if (typeof item === 'object' && item !== null) {
        const entry = item as Record<string, unknown>;
        const where = typeof entry['location'] === 'string' ? `${entry['location']}: ` : '';
        found.push(`${where}${String(entry['message'] ?? '')}`);
      }
    }
  }
  const templates = error.details['templates'];
  if (Array.isArray(templates)) {
    found.push(...templates.map(String));
  }
  return found;
}

export function messageOf(error: unknown): string {
  if (error instanceof Error) {
    return error.message;
  }
  return 'something went wrong';
}
