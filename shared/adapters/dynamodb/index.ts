export { createDocumentClient } from './client';
export { DynamoAgentStore } from './DynamoAgentStore';
export { DynamoDecisionLog, historySortKeyPrefix, type DynamoDecisionLogOptions } from './DynamoDecisionLog';
export { DynamoPolicyStore } from './DynamoPolicyStore';
export { DynamoStateStore, type DynamoStateStoreOptions } from './DynamoStateStore';
export { BUDGET_ITEM_KEY, NONCE_KEY_PREFIX, TABLE_DEFINITIONS, type TableDefinition, type TableKey } from './tables';
