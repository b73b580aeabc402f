// Typed errors. Services throw these; one middleware turns them into HTTP answers.
// Anything else is a bug and becomes a logged 500 with no internals in the body.

export interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}

export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = new.target.name;
  }

  toBody(): ErrorBody {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.details === undefined ? {} : { details: this.details }),
      },
    };
  }
}

export class BadRequest extends AppError {
  constructor(message: string, details?: unknown, code = 'bad_request') {
    super(400, code, message, details);
  }
}

export class Unauthorized extends AppError {
  constructor(message = 'Log in first: this needs a bearer token') {
    super(401, 'unauthorized', message);
  }
}

export class Forbidden extends AppError {
  constructor(message: string) {
    super(403, 'forbidden', message);
  }
}

export class NotFound extends AppError {
  constructor(what: string, details?: unknown) {
    super(404, 'not_found', `${what} not found`, details);
  }
}

export class Conflict extends AppError {
  constructor(message: string, details?: unknown, code = 'conflict') {
    super(409, code, message, details);
  }
}

/** Well-formed input the domain refuses (an invalid polygon, a plan with errors). */
export class Unprocessable extends AppError {
  constructor(message: string, details?: unknown, code = 'unprocessable') {
    super(422, code, message, details);
  }
}

export class ServiceUnavailable extends AppError {
  constructor(
    message: string,
    readonly retryAfterSeconds = 1,
  ) {
    super(503, 'unavailable', message);
  }
}

/** Too many attempts (login throttling); the caller may try again after Retry-After. */
export class TooManyRequests extends AppError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
    code = 'too_many_requests',
    details?: unknown,
  ) {
    super(429, code, message, details);
  }
}

/** The account still has the password it was given and must choose its own first. */
export class PasswordChangeRequired extends AppError {
  constructor() {
    super(
      403,
      'password_change_required',
      'Choose your own password first: POST /api/auth/password with currentPassword and newPassword',
    );
  }
}
