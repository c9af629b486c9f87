/**
 * Failures as history keeps them: the message and the stack trace go into an encoded payload (which the
 * payload codec encrypts), so page text, a parser's quote of a buyer's name or a URL in a failure message
 * is never in clear. The failure's type stays readable (ApplicationFailure type, the MlxFailureType and
 * MlxFailedStep search attributes). Loaded by path: the workflow bundle (workflow-side failures), the
 * worker (activity failures) and every client (to read them) use this same module.
 */
import { DefaultFailureConverter } from '@temporalio/common';

export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
