import { ID_PATTERN } from '../contract';
/** The local launcher's replies, in the MLX envelope's terms, and its path parameters. */
export interface Reply {
  httpCode: number;
  errorCode?: string;
  message: string;
  data?: unknown;
  headers?: Record<string, string>;
  /** Close the connection without answering. */
  drop?: boolean;
}

export const ok = (message: string, data: unknown = {}): Reply => ({ httpCode: 200, message, data });

export const error = (httpCode: number, errorCode: string, message: string): Reply => ({
  httpCode,
  errorCode,
  message,
});

/** A path parameter, or the 400 reply naming it. */
export function idParam(field: string, raw: string | undefined): string | Reply {
  let value: string | undefined;
  try {
    value = raw === undefined ? undefined : decodeURIComponent(raw);
  } catch {
    value = undefined;
  }
  if (value !== undefined && ID_PATTERN.test(value)) return value;
  return error(
    400,
    'INVALID_PARAMETER',
    `${field} must be 1-128 characters of A-Z a-z 0-9 . _ -, starting with a letter or digit`,
  );
}
