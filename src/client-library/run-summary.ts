import type { JobSpec } from '../contract';
import { traceLink } from './links';

/** The run's one-line summary in the Temporal UI's list and header: task · platform · client. */
export function runSummary(spec: JobSpec): string {
  return `${spec.task.name} · ${spec.platform} · client ${spec.client_id}`;
}

/** The run's static details (Markdown) in the Temporal UI: what the job is and where its trace is. */
export function runDetails(spec: JobSpec, traceId?: string, traceUrlTemplate?: string): string {
  const lines = [
    `**${spec.task.name}** for client **${spec.client_id}** on **${spec.platform}**`,
    '',
    `- job: \`${spec.job_id}\` (\`mlx-jobs status ${spec.job_id}\`)`,
    `- profile: \`${spec.profile_id}\` in folder \`${spec.folder_id}\``,
  ];
  if (spec.callback_url) lines.push(`- reports to: ${new URL(spec.callback_url).host}`);
  if (spec.deadline_ms) lines.push(`- deadline: ${Math.round(spec.deadline_ms / 1000)} s after its start`);
  if (traceId) {
    const link = traceLink(traceUrlTemplate, traceId);
    lines.push(
      link ? `- trace: [${traceId}](${link})` : `- trace: \`${traceId}\` (\`mlx-jobs trace ${spec.job_id}\`)`,
    );
  }
  return lines.join('\n');
}
