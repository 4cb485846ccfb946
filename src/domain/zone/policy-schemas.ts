// Policy schemas (reference 001: zones.policy_schemas.*; issue 14). keygraph ships versioned Cedar
// schemas describing a zone's own entities; zones write policies against one of them. The versions are
// code, the same for every zone; a zone only chooses its default (Zone.defaultPolicySchemaVersion, null
// meaning the newest ACTIVE version).
//
// Entity model (every version):
//   User         a zone user: email, email_verified (and, from 2025-06-01, issuer and provider, optional)
//   Application  an application of the zone: identifier (and traits, owner_type)
//   Resource     a resource of the zone, a child of the application that provides it: identifier, scopes
//                (and application_type)
//   actions      Action::"access" (a user or an application gets access to a resource), and from
//                2025-11-01 Action::"delegate" (an application acts for a user on a resource)
//
// Statuses, as the reference defines them: ACTIVE and DEPRECATED versions accept new policy versions;
// ARCHIVED ones do not (what is already pinned to them still evaluates).
import type { Authorizer } from '../authz/authorizer.js';
import { ConflictError, NotFoundError } from '../errors.js';
import type { Store } from '../store.js';
import { zoneFor } from './common.js';
import type { Zone } from './model.js';
import type { PolicyEngine } from './policy-engine.js';

export type PolicySchemaStatus = 'ACTIVE' | 'DEPRECATED' | 'ARCHIVED';

export interface ShippedPolicySchema {
  version: string;
  status: PolicySchemaStatus;
  /** Cedar schema syntax; the JSON form is derived from it by Cedar. */
  cedarSchema: string;
  createdAt: Date;
  updatedAt: Date;
  deprecatedAt: Date | null;
  archivedAt: Date | null;
}

/** A shipped schema as a zone sees it. */
export interface PolicySchema extends ShippedPolicySchema {
  isDefault: boolean;
  cedarSchemaJson: () => Record<string, unknown>;
}

const V2025_01 = `// keygraph zone entities, 2025-01-01 (archived).
entity User = {
  "email": String,
  "email_verified": Bool,
};

entity Application = {
  "identifier": String,
};

// A resource is a child of the application that provides it.
entity Resource in [Application] = {
  "identifier": String,
  "scopes": Set<String>,
};

action "access" appliesTo {
  principal: [User, Application],
  resource: [Resource],
  context: {},
};
`;

const V2025_06 = `// keygraph zone entities, 2025-06-01 (deprecated by 2025-11-01).
entity User = {
  "email": String,
  "email_verified": Bool,
  "issuer"?: String,
  "provider"?: String,
};

// traits: GATEWAY, MCP_PROVIDER. owner_type: PLATFORM or CUSTOMER.
entity Application = {
  "identifier": String,
  "traits": Set<String>,
  "owner_type": String,
};

// A resource is a child of the application that provides it. application_type: NATIVE or WEB.
entity Resource in [Application] = {
  "identifier": String,
  "scopes": Set<String>,
  "application_type": String,
};

action "access" appliesTo {
  principal: [User, Application],
  resource: [Resource],
  context: {
    "scopes": Set<String>,
  },
};
`;

const V2025_11 = `// keygraph zone entities, 2025-11-01.

// What every request carries: the scopes asked for, and what is known of the session.
type RequestContext = {
  "scopes": Set<String>,
  // USER or APPLICATION.
  "session_type"?: String,
  // Seconds since the Unix epoch.
  "authenticated_at"?: Long,
};

// A user of the zone. issuer and provider (the identifier of the zone's provider that
// authenticated the user) are absent for users who signed in with a password.
entity User = {
  "email": String,
  "email_verified": Bool,
  "issuer"?: String,
  "provider"?: String,
};

// traits: GATEWAY, MCP_PROVIDER. owner_type: PLATFORM or CUSTOMER.
entity Application = {
  "identifier": String,
  "traits": Set<String>,
  "owner_type": String,
};

// A resource is a child of the application that provides it. application_type: NATIVE or WEB.
entity Resource in [Application] = {
  "identifier": String,
  "scopes": Set<String>,
  "application_type": String,
};

// A user or an application gets access to a resource.
action "access" appliesTo {
  principal: [User, Application],
  resource: [Resource],
  context: RequestContext,
};

// An application acts on a resource for a user (token exchange, delegated grants).
action "delegate" appliesTo {
  principal: [Application],
  resource: [Resource],
  context: {
    "scopes": Set<String>,
    "on_behalf_of": User,
  },
};
`;

const day = (iso: string) => new Date(`${iso}T00:00:00.000Z`);

/** Every shipped version, oldest first. */
export const POLICY_SCHEMAS: readonly ShippedPolicySchema[] = [
  { version: '2025-01-01', status: 'ARCHIVED', cedarSchema: V2025_01, createdAt: day('2025-01-01'), updatedAt: day('2025-09-01'), deprecatedAt: day('2025-06-01'), archivedAt: day('2025-09-01') },
  { version: '2025-06-01', status: 'DEPRECATED', cedarSchema: V2025_06, createdAt: day('2025-06-01'), updatedAt: day('2025-11-01'), deprecatedAt: day('2025-11-01'), archivedAt: null },
  { version: '2025-11-01', status: 'ACTIVE', cedarSchema: V2025_11, createdAt: day('2025-11-01'), updatedAt: day('2025-11-01'), deprecatedAt: null, archivedAt: null },
];

/** The default of a zone that chose none: the newest ACTIVE version. */
export const LATEST_POLICY_SCHEMA: string = [...POLICY_SCHEMAS].reverse().find((s) => s.status === 'ACTIVE')!.version;

export function shippedSchema(version: string): ShippedPolicySchema | undefined {
  return POLICY_SCHEMAS.find((s) => s.version === version);
}

export function defaultSchemaVersion(zone: Pick<Zone, 'defaultPolicySchemaVersion'>): string {
  return zone.defaultPolicySchemaVersion ?? LATEST_POLICY_SCHEMA;
}

export class PolicySchemaService {
  constructor(
    private readonly store: Store,
    private readonly engine: PolicyEngine,
  ) {}

  /** The shipped versions as `zone` sees them (isDefault), newest first, optionally of one status. */
  forZone(zone: Zone, status?: PolicySchemaStatus | null): PolicySchema[] {
    const chosen = defaultSchemaVersion(zone);
    return [...POLICY_SCHEMAS]
      .reverse()
      .filter((s) => !status || s.status === status)
      .map((s) => this.view(s, s.version === chosen));
  }

  /** One version as `zone` sees it; null when keygraph ships no such version. */
  one(zone: Zone, version: string): PolicySchema | null {
    const shipped = shippedSchema(version);
    return shipped ? this.view(shipped, shipped.version === defaultSchemaVersion(zone)) : null;
  }

  /**
   * Chooses the zone's default schema (policy.manage on the zone). An ARCHIVED version accepts no new
   * policy versions, so it cannot be the default (ConflictError); an unknown one is NotFoundError.
   */
  setDefaultPolicySchema(actor: Authorizer, zoneId: string, version: string): Promise<{ zone: Zone; policySchema: PolicySchema }> {
    return this.store.transaction(async (tx) => {
      const zone = await zoneFor(tx, actor, zoneId, 'policy.manage');
      const shipped = shippedSchema(version);
      if (!shipped) throw new NotFoundError('PolicySchema', 'version');
      if (shipped.status === 'ARCHIVED') throw new ConflictError(`policy schema ${version} is archived: it accepts no new policy versions`, 'version');
      const updated = await tx.zones.zones.update(zone.id, { defaultPolicySchemaVersion: shipped.version });
      return { zone: updated, policySchema: this.view(shipped, true) };
    });
  }

  private view(shipped: ShippedPolicySchema, isDefault: boolean): PolicySchema {
    return { ...shipped, isDefault, cedarSchemaJson: () => this.engine.schemaJson(shipped.cedarSchema) };
  }
}
