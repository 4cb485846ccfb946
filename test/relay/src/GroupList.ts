// Relay compiler input (not imported at runtime): a paginated, refetchable fragment on Account.
// Relay generates GroupListPaginationQuery from it, which refetches the account through node(id:).
import { graphql } from 'relay-runtime';

export const GroupListFragment = graphql`
  fragment GroupList_account on Account
  @refetchable(queryName: "GroupListPaginationQuery")
  @argumentDefinitions(count: { type: "Int", defaultValue: 2 }, cursor: { type: "String" }) {
    groups(first: $count, after: $cursor) @connection(key: "GroupList_groups") {
      totalCount
      edges {
        node {
          id
          ...GroupRow_group
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`;
