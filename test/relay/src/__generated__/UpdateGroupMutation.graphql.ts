/**
 * @generated SignedSource<<1e93af17c3aa7c1e40f85398288d55ed>>
 * @lightSyntaxTransform
 * @codegen-command: npx tsx test/relay/compile.ts
 */

/* tslint:disable */
/* eslint-disable */
// @ts-nocheck

import type { ConcreteRequest } from 'relay-runtime';
import type { FragmentRefs } from "relay-runtime";
export type ResourceType = "ACCOUNT" | "CLIENT" | "CREDENTIAL" | "DNS_RECORD" | "DOMAIN" | "FORWARDING" | "MAILBOX" | "PROXY" | "REDIRECT" | "ROUTE" | "TENANT" | "WORKSPACE";
export type UpdateGroupInput = {
  attributes?: Record<string, unknown> | null | undefined;
  description?: string | null | undefined;
  id: string;
  linkedScopes?: ReadonlyArray<LinkedScopeInput> | null | undefined;
  name?: string | null | undefined;
};
export type LinkedScopeInput = {
  resourceId: string;
  resourceType: ResourceType;
};
export type UpdateGroupMutation$variables = {
  input: UpdateGroupInput;
};
export type UpdateGroupMutation$data = {
  readonly updateGroup: {
    readonly errors: ReadonlyArray<{
      readonly __typename: string;
      readonly field: string | null | undefined;
      readonly message: string;
    }>;
    readonly group: {
      readonly id: string;
      readonly " $fragmentSpreads": FragmentRefs<"GroupRow_group">;
    } | null | undefined;
  };
};
export type UpdateGroupMutation = {
  response: UpdateGroupMutation$data;
  variables: UpdateGroupMutation$variables;
};

const node: ConcreteRequest = (function(){
var v0 = [
  {
    "defaultValue": null,
    "kind": "LocalArgument",
    "name": "input"
  }
],
v1 = [
  {
    "kind": "Variable",
    "name": "input",
    "variableName": "input"
  }
],
v2 = {
  "alias": null,
  "args": null,
  "kind": "ScalarField",
  "name": "id",
  "storageKey": null
},
v3 = {
  "alias": null,
  "args": null,
  "concreteType": null,
  "kind": "LinkedField",
  "name": "errors",
  "plural": true,
  "selections": [
    {
      "alias": null,
      "args": null,
      "kind": "ScalarField",
      "name": "__typename",
      "storageKey": null
    },
    {
      "alias": null,
      "args": null,
      "kind": "ScalarField",
      "name": "message",
      "storageKey": null
    },
    {
      "alias": null,
      "args": null,
      "kind": "ScalarField",
      "name": "field",
      "storageKey": null
    }
  ],
  "storageKey": null
};
return {
  "fragment": {
    "argumentDefinitions": (v0/*:: as any*/),
    "kind": "Fragment",
    "metadata": null,
    "name": "UpdateGroupMutation",
    "selections": [
      {
        "alias": null,
        "args": (v1/*:: as any*/),
        "concreteType": "UpdateGroupPayload",
        "kind": "LinkedField",
        "name": "updateGroup",
        "plural": false,
        "selections": [
          {
            "alias": null,
            "args": null,
            "concreteType": "Group",
            "kind": "LinkedField",
            "name": "group",
            "plural": false,
            "selections": [
              (v2/*:: as any*/),
              {
                "args": null,
                "kind": "FragmentSpread",
                "name": "GroupRow_group"
              }
            ],
            "storageKey": null
          },
          (v3/*:: as any*/)
        ],
        "storageKey": null
      }
    ],
    "type": "Mutation",
    "abstractKey": null
  },
  "kind": "Request",
  "operation": {
    "argumentDefinitions": (v0/*:: as any*/),
    "kind": "Operation",
    "name": "UpdateGroupMutation",
    "selections": [
      {
        "alias": null,
        "args": (v1/*:: as any*/),
        "concreteType": "UpdateGroupPayload",
        "kind": "LinkedField",
        "name": "updateGroup",
        "plural": false,
        "selections": [
          {
            "alias": null,
            "args": null,
            "concreteType": "Group",
            "kind": "LinkedField",
            "name": "group",
            "plural": false,
            "selections": [
              (v2/*:: as any*/),
              {
                "alias": null,
                "args": null,
                "kind": "ScalarField",
                "name": "name",
                "storageKey": null
              },
              {
                "alias": null,
                "args": null,
                "kind": "ScalarField",
                "name": "path",
                "storageKey": null
              },
              {
                "alias": null,
                "args": [
                  {
                    "kind": "Literal",
                    "name": "first",
                    "value": 5
                  }
                ],
                "concreteType": "GroupMemberConnection",
                "kind": "LinkedField",
                "name": "members",
                "plural": false,
                "selections": [
                  {
                    "alias": null,
                    "args": null,
                    "kind": "ScalarField",
                    "name": "totalCount",
                    "storageKey": null
                  }
                ],
                "storageKey": "members(first:5)"
              }
            ],
            "storageKey": null
          },
          (v3/*:: as any*/)
        ],
        "storageKey": null
      }
    ]
  },
  "params": {
    "cacheID": "38e85c8be2fc8bda608ed66292b8a8af",
    "id": null,
    "metadata": {},
    "name": "UpdateGroupMutation",
    "operationKind": "mutation",
    "text": "mutation UpdateGroupMutation(\n  $input: UpdateGroupInput!\n) {\n  updateGroup(input: $input) {\n    group {\n      id\n      ...GroupRow_group\n    }\n    errors {\n      __typename\n      message\n      field\n    }\n  }\n}\n\nfragment GroupRow_group on Group {\n  name\n  path\n  members(first: 5) {\n    totalCount\n  }\n  id\n}\n"
  }
};
})();

(node as any).hash = "8d50e048cf6f7ed4cf04047600b7803c";

export default node;
