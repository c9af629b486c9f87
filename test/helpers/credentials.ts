import { createCredentialStore, parseSecrets, type CredentialUse, type SecretStore } from '../../src/secrets';

/** The client_id the harness submits jobs for. */
export const TEST_CLIENT = 'client-42';

/**
 * A credential in the secrets file's format, for a seller centre the tests run on loopback over http
 * (hence `allow_http`), usable by `clients`.
 */
export function loopbackCredential(
  siteUrl: string,
  fields: Record<string, string>,
  clients: string[] = [TEST_CLIENT],
): Record<string, unknown> {
  return { ...fields, origins: [new URL(siteUrl).origin], allow_http: true, clients };
}

/** What a task sees of these credentials when its job (of `clientId`) declares `uses`. */
export function jobSecrets(
  credentials: Record<string, Record<string, unknown>>,
  uses: CredentialUse[],
  clientId = TEST_CLIENT,
): SecretStore {
  return createCredentialStore(parseSecrets(JSON.stringify(credentials), 'test credentials')).forJob(
    uses,
    clientId,
  );
}
