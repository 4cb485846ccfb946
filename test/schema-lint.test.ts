// The public schema's own rules, checked on schema.graphql: descriptions everywhere, lists as
// connections, mutations as verbNoun(input: VerbNounInput!): VerbNounPayload!, and ids typed ID.
// Each exception is listed here with its reason.
import { readFileSync } from 'node:fs';
import {
  buildASTSchema,
  getNamedType,
  getNullableType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  isUnionType,
  parse,
  type GraphQLField,
  type GraphQLNamedType,
} from 'graphql';
import { describe, expect, it } from 'vitest';

// schema.graphql is a federation subgraph: declare what federation provides so it builds alone.
const FEDERATION = `
  directive @link(url: String!, import: [String]) repeatable on SCHEMA
  directive @key(fields: String!, resolvable: Boolean = true) repeatable on OBJECT | INTERFACE
  directive @shareable repeatable on OBJECT | FIELD_DEFINITION
`;
const schema = buildASTSchema(parse(readFileSync(new URL('../schema.graphql', import.meta.url), 'utf8').replace(/^extend schema[^{]*?(?=\n\n)/s, '') + FEDERATION));
const types = Object.values(schema.getTypeMap()).filter((t) => !t.name.startsWith('__') && !['String', 'Boolean', 'Int', 'Float', 'ID'].includes(t.name));

/** Lists that are not connections, and why. */
const PLAIN_LISTS: Record<string, string> = {
  'Query.nodes': 'Relay: nodes(ids:) answers a list of ids, in order',
  'AccessExplanation.paths': 'every path of one decision: a small, complete answer, not a list to page through',
  'AccessPath.viaGroups': 'an ordered chain of groups, from the subject upwards',
  'Group.linkedScopes': 'value objects stored on the group (at most 100)',
  'PermissionContext.ownerAssignments': 'value objects of reference 000 permission_context',
  'ApiKey.workspacesPreview': 'reference 002 preview: at most 5, with workspacesTotal; ApiKey.workspaces pages them all',
  'Invitation.assignments': 'value objects stored on the invitation (at most 50), in order',
  'PolicyValidationError.diagnostics': "Cedar's diagnostics of one refused policy version: a small, complete answer",
  'PolicySetVersion.entries': 'reference 001 manifest entries (at most 100), in order; PolicySetVersion.policies pages the policy versions',
  'PolicySetDraft.entries': 'reference 001 draft entries (at most 100), in order',
  'Query.authorizeBatch': 'one decision per request, in request order (at most 30, as Amazon Verified Permissions)',
  'PolicyDecision.reasons': 'the policies that determined one decision: a small, complete answer',
  'PolicyDecision.shadow': 'one entry per applicable SHADOW-bound version: a small, complete answer',
  'PolicySet.shadowDiffs': 'one entry per shadow version of the set this instance evaluated (bounded, in memory)',
  'PolicySetShadowDiffs.samples': 'the latest disagreements (at most 20)',
};

function fieldsOf(type: GraphQLNamedType): [string, GraphQLField<unknown, unknown>][] {
  return isObjectType(type) || isInterfaceType(type) ? Object.entries(type.getFields()) : [];
}

describe('schema.graphql', () => {
  it('describes every type, field, argument, input field and enum value', () => {
    const missing: string[] = [];
    for (const type of types) {
      if (!type.description) missing.push(type.name);
      for (const [name, field] of fieldsOf(type)) {
        if (!field.description) missing.push(`${type.name}.${name}`);
        for (const arg of field.args) if (!arg.description && !['first', 'last', 'after', 'before'].includes(arg.name)) missing.push(`${type.name}.${name}(${arg.name})`);
      }
      if (isInputObjectType(type)) for (const [name, field] of Object.entries(type.getFields())) if (!field.description) missing.push(`${type.name}.${name}`);
      if (isEnumType(type)) for (const value of type.getValues()) if (!value.description) missing.push(`${type.name}.${value.name}`);
    }
    expect(missing).toEqual([]);
  });

  it('pages every list of objects as a connection', () => {
    const offenders: string[] = [];
    for (const type of types) {
      for (const [name, field] of fieldsOf(type)) {
        const list = getNullableType(field.type);
        if (!isListType(list)) continue;
        const item = getNamedType(list);
        if (isScalarType(item) || isEnumType(item)) continue;
        const connectionPart = type.name.endsWith('Connection') && name === 'edges';
        const payloadErrors = type.name.endsWith('Payload') && name === 'errors';
        if (!connectionPart && !payloadErrors && !PLAIN_LISTS[`${type.name}.${name}`]) offenders.push(`${type.name}.${name}`);
      }
      if (type.name.endsWith('Connection') && isObjectType(type)) {
        expect(Object.keys(type.getFields()).sort(), type.name).toEqual(['edges', 'pageInfo', 'totalCount']);
      }
    }
    expect(offenders).toEqual([]);
    for (const key of Object.keys(PLAIN_LISTS)) expect(key.split('.')[0] && schema.getType(key.split('.')[0]!), key).toBeTruthy();
  });

  it('shapes every connection field with first/after/last/before', () => {
    const offenders: string[] = [];
    for (const type of types)
      for (const [name, field] of fieldsOf(type)) {
        if (!getNamedType(field.type).name.endsWith('Connection')) continue;
        const args = field.args.map((a) => a.name);
        if (!['first', 'after', 'last', 'before'].every((a) => args.includes(a))) offenders.push(`${type.name}.${name}`);
      }
    expect(offenders).toEqual([]);
  });

  it('names mutations verbNoun(input: VerbNounInput!): VerbNounPayload!', () => {
    const offenders: string[] = [];
    for (const [name, field] of Object.entries(schema.getMutationType()!.getFields())) {
      const pascal = name[0]!.toUpperCase() + name.slice(1);
      // login and logout are the names api-map.md fixes (reference 000 auth.login / auth.logout).
      if (!/^[a-z]+[A-Z]\w*$/.test(name) && !['login', 'logout'].includes(name)) offenders.push(`${name}: not verbNoun`);
      if (!isNonNullType(field.type) || getNamedType(field.type).name !== `${pascal}Payload`) offenders.push(`${name}: returns ${field.type.toString()}`);
      // logout acts on the caller's own session: it takes no input at all.
      if (name === 'logout' && field.args.length === 0) continue;
      const input = field.args.find((a) => a.name === 'input');
      if (field.args.length !== 1 || !input || input.type.toString() !== `${pascal}Input!`) offenders.push(`${name}: arguments ${field.args.map((a) => `${a.name}: ${a.type.toString()}`).join(', ')}`);
    }
    expect(offenders).toEqual([]);
  });

  it('types every id as ID (non-null outside payloads, whose fields are null when the mutation failed)', () => {
    const offenders: string[] = [];
    const check = (owner: string, name: string, type: import('graphql').GraphQLType, mayBeNull: boolean) => {
      if (!/(^id$|Id$|Ids$)/.test(name)) return;
      // An OAuth 2.0 client id at an external provider (reference 001 client_id): its text, not a keygraph id.
      if (name === 'clientId') return;
      if (getNamedType(type).name !== 'ID') offenders.push(`${owner}.${name}: ${type.toString()}`);
      else if (!mayBeNull && !isNonNullType(type)) offenders.push(`${owner}.${name}: nullable`);
    };
    for (const type of types) {
      for (const [name, field] of fieldsOf(type)) {
        // Nullable where "none" is a meaning: a grant's resource, a policy's latest version, and payload fields on failure.
        // latestVersionId / activeVersionId / scopeTargetId: none before the first version, when unbound, for a ZONE set (reference 001: optional).
        check(type.name, name, field.type, type.name.endsWith('Payload') || name === 'resourceId' || name === 'latestVersionId' || name === 'activeVersionId' || name === 'scopeTargetId');
        for (const arg of field.args) check(`${type.name}.${name}`, arg.name, arg.type, true);
      }
      if (isInputObjectType(type)) for (const [name, field] of Object.entries(type.getFields())) check(type.name, name, field.type, true);
    }
    expect(offenders).toEqual([]);
  });

  it('has no unions or interfaces without implementations', () => {
    for (const type of types) {
      if (isUnionType(type)) expect(type.getTypes().length, type.name).toBeGreaterThan(0);
      if (isInterfaceType(type)) expect(schema.getPossibleTypes(type).length, type.name).toBeGreaterThan(0);
    }
  });
});
