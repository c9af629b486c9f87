/** Zod schemas for the MLX launcher's response envelope and the `data` of the calls we use. */
import { z } from 'zod';

const numericString = z
  .string()
  .regex(/^\d+$/)
  .transform((value) => Number(value));

// Tolerant: the launcher always sends these, but an error body must still parse so its code can be read.
export const mlxStatusSchema = z.looseObject({
  error_code: z
    .string()
    .nullish()
    .transform((value) => value ?? ''),
  http_code: z.number().int().optional(),
  message: z
    .string()
    .nullish()
    .transform((value) => value ?? ''),
});

/** `data` stays unknown here: it is null or missing on errors and is parsed per call on success. */
export const mlxEnvelopeSchema = z.looseObject({
  data: z.unknown().optional(),
  status: mlxStatusSchema,
});

export type MlxStatus = z.output<typeof mlxStatusSchema>;
export type MlxEnvelope = z.output<typeof mlxEnvelopeSchema>;

/** `port` is a string in the docs and a number in some clients. */
export const startProfileDataSchema = z.looseObject({
  port: z.union([z.number().int(), numericString]).pipe(z.number().int().min(1).max(65535)),
  browser_type: z.string().optional(),
  core_version: z.union([z.number().int(), numericString]).optional(),
  id: z.string().optional(),
  is_quick: z.boolean().optional(),
});

export type StartProfileData = z.output<typeof startProfileDataSchema>;

export const profileStateSchema = z.looseObject({
  profile_id: z.string().optional(),
  status: z.string(),
  folder_id: z.string().optional(),
  browser_type: z.string().optional(),
  core_version: z.union([z.number(), z.string()]).optional(),
  is_quick: z.boolean().optional(),
  timestamp: z.union([z.number(), z.string()]).optional(),
  message: z.string().optional(),
});

export type ProfileState = z.output<typeof profileStateSchema>;

export const profileStatusesDataSchema = z.looseObject({
  active_counter: z
    .looseObject({
      cloud: z.number().optional(),
      local: z.number().optional(),
      quick: z.number().optional(),
    })
    .optional(),
  states: z
    .record(z.string(), profileStateSchema)
    .nullish()
    .transform((value) => value ?? {}),
});

export type ProfileStatusesData = z.output<typeof profileStatusesDataSchema>;

export const versionDataSchema = z.looseObject({
  version: z.string(),
  env: z.string().optional(),
});

export type VersionData = z.output<typeof versionDataSchema>;

/** Cloud API: POST /user/signin and POST /user/refresh_token. */
export const signInDataSchema = z.looseObject({
  token: z.string().min(1),
  refresh_token: z.string().min(1),
});

export const refreshTokenDataSchema = z.looseObject({
  token: z.string().min(1),
  refresh_token: z.string().min(1).optional(),
});

/** Cloud API: GET /workspace/automation_token. */
export const automationTokenDataSchema = z.looseObject({ token: z.string().min(1) });

/** The payload of a JWT, when the token is one: only its expiry matters to us. */
export const jwtPayloadSchema = z.looseObject({ exp: z.number().positive() });
