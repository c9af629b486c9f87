/** The MLX cloud API calls that produce tokens: sign-in, refresh (also switches workspace), automation token. */
import { createHash } from 'node:crypto';
import { automationTokenDataSchema, refreshTokenDataSchema, signInDataSchema } from './envelope';
import type { MlxHttp } from './http';

export const DEFAULT_CLOUD_URL = 'https://api.multilogin.com';

export type AutomationTokenPeriod = '24h' | 'no_exp';

export interface CloudTokens {
  token: string;
  refreshToken?: string;
}

export interface CloudClient {
  signIn(email: string, password: string): Promise<CloudTokens & { refreshToken: string }>;
  /** The body's refresh token is what counts; the current (perhaps expired) token goes along as bearer. */
  refresh(request: {
    email: string;
    token: string;
    refreshToken: string;
    workspaceId: string;
  }): Promise<CloudTokens>;
  automationToken(token: string, period: AutomationTokenPeriod): Promise<string>;
}

/** The cloud wants the md5 hex of the password, never the password itself. */
export function md5Hex(text: string): string {
  return createHash('md5').update(text, 'utf8').digest('hex');
}

export function createCloudClient(http: MlxHttp): CloudClient {
  return {
    async signIn(email, password) {
      const reply = await http.send({
        method: 'POST',
        path: '/user/signin',
        json: { email, password: md5Hex(password) },
      });
      const data = http.dataOf(reply, signInDataSchema);
      return { token: data.token, refreshToken: data.refresh_token };
    },

    async refresh({ email, token, refreshToken, workspaceId }) {
      const reply = await http.send({
        method: 'POST',
        path: '/user/refresh_token',
        headers: { Authorization: `Bearer ${token}` },
        json: { email, refresh_token: refreshToken, workspace_id: workspaceId },
      });
      const data = http.dataOf(reply, refreshTokenDataSchema);
      return {
        token: data.token,
        ...(data.refresh_token !== undefined && { refreshToken: data.refresh_token }),
      };
    },

    async automationToken(token, period) {
      const reply = await http.send({
        method: 'GET',
        path: '/workspace/automation_token',
        query: { expiration_period: period },
        headers: { Authorization: `Bearer ${token}` },
      });
      return http.dataOf(reply, automationTokenDataSchema).token;
    },
  };
}
