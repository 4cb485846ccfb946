// npm run codegen: typed documents (TypedDocumentNode) for the operations in test/operations, from
// the checked-in schema.graphql. The tests import them; a test checks the output is current.
import type { CodegenConfig } from '@graphql-codegen/cli';

const config: CodegenConfig = {
  schema: 'schema.graphql',
  documents: ['test/operations/**/*.graphql'],
  generates: {
    'test/generated/graphql.ts': {
      plugins: ['typescript-operations', 'typed-document-node'],
      config: {
        scalars: { DateTime: 'string', JSONObject: 'Record<string, unknown>' },
        enumsAsTypes: true,
        useTypeImports: true,
        avoidOptionals: { field: true, inputValue: false, object: true },
        skipTypename: true,
      },
    },
  },
  hooks: {},
};

export default config;
