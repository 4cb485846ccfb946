// /metrics: HTTP requests and durations, GraphQL operations by name and outcome, database statements.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { provider, startTestApp, type TestApp } from './support/harness.js';

describe(`metrics (${provider})`, () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('counts operations by name and outcome, requests by route, and statements by model', async () => {
    await t.gql('mutation MakeAccount { createAccount(input: { name: "M" }) { account { id } errors { message } } }');
    await t.gql('query Broken { accounts(first: 500) { totalCount } }');
    await t.gql('query Invalid { noSuchField }');
    await t.app.fetch('/healthz');
    const response = await t.app.fetch('/metrics');
    expect(response.headers.get('content-type')).toContain('text/plain');
    const text = await response.text();
    expect(text).toMatch(/keygraph_graphql_operations_total\{operation_name="MakeAccount",operation_type="mutation",outcome="success"\} 1/);
    expect(text).toMatch(/keygraph_graphql_operations_total\{operation_name="Broken",operation_type="query",outcome="error"\} 1/);
    expect(text).toMatch(/keygraph_graphql_operations_total\{operation_name="Invalid",operation_type="query",outcome="invalid"\} 1/);
    // The harness's login was a 200 too.
    expect(text).toMatch(/keygraph_http_requests_total\{method="POST",route="\/graphql",status="200"\} 3/);
    // An invalid operation is a 400 under the GraphQL-over-HTTP response media type.
    expect(text).toMatch(/keygraph_http_requests_total\{method="POST",route="\/graphql",status="400"\} 1/);
    expect(text).toMatch(/keygraph_http_requests_total\{method="GET",route="\/healthz",status="200"\} 1/);
    expect(text).toMatch(/keygraph_http_request_duration_seconds_bucket\{le="0.1",method="POST",route="\/graphql",status="200"\} \d+/);
    // The harness's bootstrap created one account, MakeAccount another.
    expect(text).toMatch(/keygraph_db_statements_total\{model="Account",operation="insert"\} 2/);
  });
});
