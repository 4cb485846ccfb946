// Relay compiler input. Not imported at runtime: without babel-plugin-relay the `graphql` tag throws.
// The test executes the compiled artifact, ./__generated__/AccountGroupsQuery.graphql.ts.
import { graphql } from 'relay-runtime';

export const AccountGroupsQuery = graphql`
  query AccountGroupsQuery($id: ID!) {
    account(id: $id) {
      id
      name
      ...GroupList_account
    }
  }
`;
