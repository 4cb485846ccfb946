// Relay compiler input (not imported at runtime): renames a group. Relay normalises the payload's
// group under its id, so every fragment reading that group sees the change.
import { graphql } from 'relay-runtime';

export const UpdateGroupMutation = graphql`
  mutation UpdateGroupMutation($input: UpdateGroupInput!) {
    updateGroup(input: $input) {
      group {
        id
        ...GroupRow_group
      }
      errors {
        __typename
        message
        field
      }
    }
  }
`;
