// The CLI's help texts, by command: `mlx-jobs help [COMMAND]` and `mlx-jobs COMMAND --help`.
import { BATCH_HELP } from './batch';
import { CODEC_SERVER_HELP } from './codec-server';
import { DLQ_HELP } from './dlq';
import { LEASES_HELP } from './leases';
import { ANSWER_HELP, QUESTIONS_HELP } from './questions';
import { SCHEDULE_HELP } from './schedule';
import { TASK_HELP } from './task-run';
import { TASKS_HELP } from './tasks';
import { TRACES_HELP } from './traces';

export const HELP: Record<string, string> = {
  main: `mlx-jobs: run browser-automation jobs on MLX profiles as Temporal workflows

Usage: mlx-jobs <command> [options]

Commands:
  submit FILE|- [--wait] [--json]   start a job from a JobSpec JSON file (or stdin)
  submit --batch FILE [--wait] …    start many jobs from JSON Lines or CSV (see help submit)
  status JOB_ID [--json]            show a job's state, steps, attempts and result
  cancel JOB_ID [--json]            cancel a job (its profile is stopped, its lease freed)
  trace JOB_ID                      draw the job's trace as a waterfall (from Jaeger or Tempo)
  traces [--platform P] [--failed] …  find jobs' traces by platform, client, failure type, step, duration
  leases [--json]                   who holds which profile and who waits for it
  questions [--platform P] …        the questions jobs wait on (a task asked a person), oldest first
  answer JOB_ID [--stdin]           answer the question a job waits on (from stdin or a hidden prompt)
  dlq list|show|retry|discard       find, inspect, retry and discard dead letters (see help dlq)
  codec-server                      serve the codec endpoint for the Temporal UI and CLI (see help codec-server)
  schedule create|list|describe|…   recurring jobs on Temporal Schedules (see help schedule)
  tasks [show NAME]                 the tasks, their input and output as JSON Schema, an example spec
  task run NAME --input FILE …      run one task on a local Chromium, without Temporal (see help task)
  help [COMMAND]                    show help
  --version                         print the version of mlx-jobs

Settings come from the environment (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, MLX_TASK_QUEUE, ...): see README.
Set OTEL_EXPORTER_OTLP_ENDPOINT as on the workers, so the CLI's spans (StartWorkflow, dlq commands) join
the jobs' traces.

Output: answers on stdout (--json: one JSON document, nothing else); progress and errors on stderr.
Temporal unreachable: one line naming TEMPORAL_ADDRESS within MLX_TEMPORAL_CONNECT_TIMEOUT_MS (5 s).

Exit codes: 0 ok; 1 the job failed, was cancelled or is parked (submit --wait, status), or an error;
2 bad input (spec, arguments, settings); 3 the job_id was submitted before with a different spec;
4 no such job or schedule; 5 Temporal unreachable.`,
  submit: `Usage: mlx-jobs submit FILE|- [--wait] [--json]

Validates the JobSpec (every bad field is named) and starts its workflow. Submitting a job_id that is
running or completed starts nothing new and shows the existing run.

  --wait   follow the job's progress until it ends or is parked as a dead letter, then wait (up to
           15 s, with MLX_TRACE_QUERY_URL) for its spans to reach the trace backend; exit 1 if it
           failed, was cancelled or was parked
  --json   print machine-readable JSON instead of text (the whole output)

${BATCH_HELP}`,
  status: `Usage: mlx-jobs status JOB_ID [--json]

Shows the job's Temporal status, each step with its duration and attempt, the failure or the output
(long outputs summarised: counts and the first rows; --json prints all of it), the link to the run in
the Temporal UI and its trace.

Exit codes: 0 the job completed or is running; 1 it failed, was cancelled, terminated or timed out, or
is parked as a dead letter; 2 bad arguments or settings; 4 no such job; 5 Temporal unreachable.`,
  trace: `Usage: mlx-jobs trace JOB_ID [--json]

Fetches the job's trace (its id is in the run's memo) from the trace backend's query API
(MLX_TRACE_QUERY_URL: Jaeger's http://host:16686 or Tempo's http://host:3200) and draws every span
with its start offset, duration and status.`,
  leases: LEASES_HELP,
  questions: QUESTIONS_HELP,
  answer: ANSWER_HELP,
  dlq: DLQ_HELP,
  'codec-server': CODEC_SERVER_HELP,
  schedule: SCHEDULE_HELP,
  tasks: TASKS_HELP,
  task: TASK_HELP,
  traces: TRACES_HELP,
  cancel: `Usage: mlx-jobs cancel JOB_ID [--json]

Requests cancellation. The running step is cancelled, then the profile is stopped, the lease released
and the webhook (if any) told "cancelled".`,
};
