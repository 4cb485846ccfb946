// Prometheus metrics of one keygraph instance (its own registry, so that tests can run many).
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { LruMap } from '../domain/lru.js';

export interface Metrics {
  registry: Registry;
  httpRequests: Counter<'method' | 'route' | 'status'>;
  httpDuration: Histogram<'method' | 'route' | 'status'>;
  graphqlOperations: Counter<'operation_name' | 'operation_type' | 'outcome'>;
  dbStatements: Counter<'model' | 'operation'>;
  /** Bound policy-set versions refused before evaluation: attestation (signature) or content hash (content). */
  policyIntegrityFailures: Counter<'reason'>;
  /** Counts one statement run (dbStatements, labelled by statementLabels). */
  countStatement(sql: string): void;
  /** Sum of the statement counter over all labels: what tests read. */
  statementTotal(): Promise<number>;
}

/** Statement texts whose counter is kept at hand (their labels read from the text once). */
const COUNTED_TEXTS = 500;

export function createMetrics(options: { processMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.processMetrics) collectDefaultMetrics({ register: registry, prefix: 'keygraph_' });
  const dbStatements = new Counter({
    name: 'keygraph_db_statements_total',
    help: 'Database statements executed, by table (model) and statement kind (operation).',
    labelNames: ['model', 'operation'] as const,
    registers: [registry],
  });
  // Labelling a statement scans its text with two regular expressions (a page statement is several KB) and
  // prom-client looks its labels up again at every increment: the child counter of each text is kept instead.
  const counters = new LruMap<string, { inc(): void }>(COUNTED_TEXTS);
  return {
    registry,
    httpRequests: new Counter({
      name: 'keygraph_http_requests_total',
      help: 'HTTP requests served, by method, route and status code.',
      labelNames: ['method', 'route', 'status'] as const,
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: 'keygraph_http_request_duration_seconds',
      help: 'HTTP request duration in seconds, by method, route and status code.',
      labelNames: ['method', 'route', 'status'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    graphqlOperations: new Counter({
      name: 'keygraph_graphql_operations_total',
      help: 'GraphQL operations, by operation name, type and outcome: success, error (executed with errors) or invalid (refused by validation).',
      labelNames: ['operation_name', 'operation_type', 'outcome'] as const,
      registers: [registry],
    }),
    dbStatements,
    policyIntegrityFailures: new Counter({
      name: 'keygraph_policy_integrity_failures_total',
      help: 'Bound policy-set versions refused before evaluation (the decision failed closed), by reason: signature (the attestation does not verify or attests something else) or content (the stored policies no longer hash to the manifest).',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    countStatement(sql) {
      let counter = counters.get(sql);
      if (!counter) counters.set(sql, (counter = dbStatements.labels(statementLabels(sql))));
      counter.inc();
    },
    async statementTotal() {
      const metric = await dbStatements.get();
      return metric.values.reduce((sum, v) => sum + v.value, 0);
    },
  };
}

/** Labels a SQL statement by its kind and first table, e.g. SELECT ... FROM "Group" -> (Group, select). */
export function statementLabels(sql: string): { model: string; operation: string } {
  const text = sql.trimStart();
  const verb = /^[A-Za-z]+/.exec(text)?.[0]?.toLowerCase() ?? 'unknown';
  const table = /\b(?:FROM|INTO|UPDATE|JOIN)\s+((?:[`"]?\w+[`"]?\.)?[`"]?(\w+)[`"]?)/i.exec(text)?.[2];
  return { model: table ?? 'none', operation: verb };
}
