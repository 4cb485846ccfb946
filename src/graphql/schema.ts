// Assembles the subgraph schema from the type files. `npm run schema:print` writes it to schema.graphql.
import type { GraphQLSchema } from 'graphql';
import { printSubgraphSchema } from '@apollo/subgraph';
import { builder } from './builder.js';
import { applyRules } from './permissions/apply.js';
import { permissionsFor, rulesFor } from './permissions/index.js';
import './types/errors.js';
import './types/account.js';
import './types/workspace.js';
import './types/user.js';
import './types/group.js';
import './types/group-member.js';
import './types/viewer.js';
import './types/authorization.js';
import './types/zone/index.js';
import './types/service-account.js';
import './types/api-key.js';
import './types/invitation.js';
import './types/actor.js';

export const FEDERATION_LINK = 'https://specs.apollo.dev/federation/v2.6';

let built: GraphQLSchema | undefined;

/** The executable subgraph schema (with _service and _entities). Built once per process. */
export function buildSchema(): GraphQLSchema {
  built ??= builder.toSubGraphSchema({ linkUrl: FEDERATION_LINK, federationDirectives: ['@key', '@shareable'] });
  return built;
}

let protectedBuilt: GraphQLSchema | undefined;

/** The served schema: the subgraph schema with every field behind its rule (see permissions/apply.ts). */
export function protectedSchema(): GraphQLSchema {
  protectedBuilt ??= applyRules(buildSchema(), rulesFor(buildSchema()), permissionsFor(buildSchema()));
  return protectedBuilt;
}

/** The subgraph SDL as `_service { sdl }` serves it, plus a final newline: what schema.graphql holds. */
export function printSubgraph(): string {
  return `${printSubgraphSchema(buildSchema()).trim()}\n`;
}
