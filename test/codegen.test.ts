// The typed documents in test/generated are what `npm run codegen` produces from schema.graphql now.
import { readFileSync } from 'node:fs';
import { generate } from '@graphql-codegen/cli';
import { describe, expect, it } from 'vitest';
import config from '../codegen.ts';

describe('codegen', () => {
  it('test/generated/graphql.ts is current (run `npm run codegen` and commit it)', async () => {
    const outputs = await generate({ ...config, cwd: new URL('..', import.meta.url).pathname, silent: true }, false);
    expect(outputs).toHaveLength(1);
    const committed = readFileSync(new URL('generated/graphql.ts', import.meta.url), 'utf8');
    expect(outputs[0]!.content).toBe(committed);
  });
});
