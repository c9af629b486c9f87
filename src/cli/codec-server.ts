import type { ClientConfig } from '../config';
import { blobStorageDriver, createPayloadHandling, startCodecServer } from '../payload-codec';
import { UsageError } from './usage-error';

export const CODEC_SERVER_HELP = `Usage: mlx-jobs codec-server

Serves the codec endpoint on MLX_CODEC_SERVER_HOST (127.0.0.1):MLX_CODEC_SERVER_PORT (8081), reached by
browsers at MLX_CODEC_SERVER_URL (by default that address), with this process's payload keys
(MLX_PAYLOAD_KEYS) and claim-check store, so the Temporal UI and the temporal CLI show payloads in clear:
  temporal workflow show -w mlx-job-JOB_ID --codec-endpoint http://127.0.0.1:8081 --codec-auth "Bearer $MLX_CODEC_SERVER_TOKEN"
Temporal UI: open http://127.0.0.1:8081/login once, paste the token, then set the UI's codec endpoint to
http://127.0.0.1:8081 with "include cross-origin credentials". Needs MLX_CODEC_SERVER_TOKEN (16+ chars);
CORS admits MLX_CODEC_SERVER_ORIGINS (default: the origin of MLX_TEMPORAL_UI_URL). Runs until Ctrl-C.`;

/** `mlx-jobs codec-server`: resolves once SIGINT/SIGTERM stopped it. */
export async function runCodecServer(config: ClientConfig, out: (line: string) => void): Promise<number> {
  const { token, host, port, publicUrl, origins } = config.codecServer;
  if (!token) throw new UsageError('set MLX_CODEC_SERVER_TOKEN (16+ characters) to start the codec server');
  if (!config.payload.keys.length)
    throw new UsageError('set MLX_PAYLOAD_KEYS: without keys there is nothing to decode');
  const payload = createPayloadHandling(config.payload);
  const server = await startCodecServer({
    codecs: payload.codecs,
    driver: blobStorageDriver(payload.store),
    token,
    allowedOrigins: origins,
    host,
    port,
    publicUrl,
  });
  out(`codec endpoint ${publicUrl ?? server.url} (listening on ${server.url}; CORS: ${origins.join(', ')})`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await server.close();
  await payload.close();
  return 0;
}
