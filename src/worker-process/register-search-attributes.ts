import type { SearchAttributeType } from '@temporalio/common';
import type { NativeConnection } from '@temporalio/worker';
import { temporal } from '@temporalio/proto';
import type { Logger } from '../telemetry';
import { SA, SEARCH_ATTRIBUTE_TYPES } from '../contract';

/**
 * Registers the job search attributes the namespace lacks, so dead letters are findable. Where the
 * worker may not (e.g. Temporal Cloud, which takes them through its own console or tcld), it logs what
 * an operator must add; jobs cannot start until they exist.
 */
export async function ensureSearchAttributes(
  connection: NativeConnection,
  namespace: string,
  log: Logger,
): Promise<void> {
  try {
    const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
    const missing = Object.values(SA).filter((key) => !customAttributes?.[key.name]);
    if (missing.length === 0) return;
    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(missing.map((key) => [key.name, indexedValueType(key.type)])),
    });
    log.info('registered search attributes', { names: missing.map((key) => key.name) });
  } catch (err) {
    log.warn('could not check or register the job search attributes; register them by hand', {
      search_attributes: SEARCH_ATTRIBUTE_TYPES,
      error: err,
    });
  }
}

/** The operator service's enum for a search attribute type: the SDK's type names are its suffixes. */
export function indexedValueType(type: SearchAttributeType): temporal.api.enums.v1.IndexedValueType {
  return temporal.api.enums.v1.IndexedValueType[`INDEXED_VALUE_TYPE_${type}`];
}
