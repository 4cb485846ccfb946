// A typed keygraph client in a dozen lines: the documents come from `npm run codegen`
// (TypedDocumentNode), the transport is plain fetch. Quoted in the README; exercised by
// test/typed-client.test.ts.
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';

export type Fetch = (url: string, init: RequestInit) => Promise<Response>;

export function keygraphClient(endpoint: string, options: { token?: string; fetch?: Fetch } = {}) {
  const send = options.fetch ?? fetch;
  return async function request<TData, TVariables>(document: TypedDocumentNode<TData, TVariables>, variables: TVariables): Promise<TData> {
    const response = await send(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(options.token ? { authorization: `Bearer ${options.token}` } : {}) },
      body: JSON.stringify({ query: print(document), variables }),
    });
    const body = (await response.json()) as { data?: TData; errors?: { message: string }[] };
    if (body.errors?.length) throw new Error(body.errors.map((e) => e.message).join('; '));
    return body.data!;
  };
}
