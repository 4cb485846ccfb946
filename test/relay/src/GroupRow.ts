// Relay compiler input (not imported at runtime): a refetchable fragment on Group. Relay generates
// GroupRowRefetchQuery from it, which refetches the group through node(id:).
import { graphql } from 'relay-runtime';

export const GroupRowFragment = graphql`
  fragment GroupRow_group on Group @refetchable(queryName: "GroupRowRefetchQuery") {
    name
    path
    members(first: 5) {
      totalCount
    }
  }
`;
