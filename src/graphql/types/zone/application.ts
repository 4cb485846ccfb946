// Applications and their dependencies (reference 001 zones.applications.*, .dependencies.*).
import { encodeGlobalID } from '@pothos/plugin-relay';
import { loadVisible } from '../../visibility.js';
import { visibleLoadMany, entityLoadedBy, permissionFields } from '../node.js';
import type { Application, ApplicationDependency } from '../../../domain/zone/model.js';
import { builder } from '../../builder.js';
import { connectionOf, searchTerm } from '../../connection.js';
import { attempt, localId, payload } from '../errors.js';
import { idOrNothing, zoneList } from './common.js';
import { ApplicationDependencyRef, ApplicationRef, DocsMetadataRef, OwnerTypeEnum, ResourceRef } from './refs.js';
import { ZoneRef } from './zone.js';

export const ApplicationTraitEnum = builder.enumType('ApplicationTrait', {
  description: 'Behaviours ascribed to an application.',
  values: {
    GATEWAY: { description: 'The application is a gateway (e.g. an MCP gateway).' },
    MCP_PROVIDER: { description: 'The application provides MCP tools.' },
  },
});

const ApplicationOauth2Ref = builder.objectRef<Application>('ApplicationOAuth2Protocol').implement({
  description: 'OAuth 2.0 settings of an application.',
  fields: (t) => ({
    redirectUris: t.stringList({ description: 'Redirect URIs.', resolve: (a) => a.redirectUris }),
    postLogoutRedirectUris: t.stringList({ description: 'Post-logout redirect URIs.', resolve: (a) => a.postLogoutRedirectUris }),
  }),
});

const ApplicationProtocolsRef = builder.objectRef<Application>('ApplicationProtocols').implement({
  description: 'Protocol settings of an application.',
  fields: (t) => ({ oauth2: t.field({ type: ApplicationOauth2Ref, description: 'OAuth 2.0.', resolve: (a) => a }) }),
});

export const ApplicationConnection = connectionOf(ApplicationRef, 'Application', 'applications');
export const ApplicationDependencyConnection = connectionOf(ApplicationDependencyRef, 'ApplicationDependency', 'dependencies of an application');
export const ResourceConnection = connectionOf(ResourceRef, 'Resource', 'resources');

builder.node(ApplicationRef, {
  description: 'A software system with an identity that accesses resources, on its own behalf or on behalf of users.',
  id: { resolve: (a) => a.id },
  loadMany: visibleLoadMany('Application'),
  fields: (t) => ({
    ...permissionFields(t, 'Application'),
    identifier: t.exposeString('identifier', { description: 'Identifier given by its owner, unique within the zone (1..2048 characters).' }),
    slug: t.exposeString('slug', { description: 'URL-safe identifier, unique within the zone.' }),
    name: t.exposeString('name', { description: 'Human-readable name, 1..255 characters.' }),
    description: t.exposeString('description', { nullable: true, description: 'Free text, up to 2048 characters.' }),
    metadata: t.field({ type: DocsMetadataRef, description: 'Metadata (documentation URL).', resolve: (a) => ({ docsUrl: a.docsUrl }) }),
    protocols: t.field({ type: ApplicationProtocolsRef, description: 'Protocol settings.', resolve: (a) => a }),
    traits: t.field({ type: [ApplicationTraitEnum], description: 'Traits of the application.', resolve: (a) => a.traits }),
    ownerType: t.field({ type: OwnerTypeEnum, description: 'Who owns the application; platform-owned ones cannot be changed through the API.', resolve: (a) => a.ownerType }),
    dependenciesCount: t.int({ description: 'How many resources the application depends on.', resolve: (a, _a, ctx) => ctx.loaders.zones.dependencyCount.load(a.id) }),
    zone: t.field({ type: ZoneRef, description: 'The zone of the application.', resolve: async (a, _a, ctx) => (await ctx.loaders.zones.zone.load(a.zoneId))! }),
    dependencies: t.connection(
      {
        type: ApplicationDependencyRef,
        description: 'The resources the application depends on, in the order they were added.',
        args: { resourceId: t.arg.id({ description: 'Only the dependency on this resource (global id), as zones.applications.dependencies.retrieve asks for one.' }) },
        resolve: (a, args, ctx) =>
          zoneList(ctx, {
            table: 'dependencies',
            parent: 'applicationId',
            parentId: a.id,
            args,
            filter: { equals: args.resourceId ? { resourceId: idOrNothing(args.resourceId, 'Resource') } : {} },
            load: ctx.loaders.zones.dependency,
          }),
      },
      ApplicationDependencyConnection,
    ),
    resources: t.connection(
      {
        type: ResourceRef,
        description: 'The resources this application provides, oldest first.',
        args: { search: t.arg.string({ description: 'Only resources whose name, identifier or slug contains this text.' }) },
        resolve: (a, args, ctx) =>
          zoneList(ctx, { table: 'resources', parent: 'applicationId', parentId: a.id, args, filter: { search: searchTerm(args.search) }, load: ctx.loaders.zones.resource }),
      },
      ResourceConnection,
    ),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the application was created.' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'When the application last changed.' }),
  }),
});
entityLoadedBy(ApplicationRef, 'Application');

builder.node(ApplicationDependencyRef, {
  description: 'A resource an application depends on (reference 001 zones.applications.dependencies); seen with its application.',
  id: { resolve: (d) => d.id },
  loadMany: visibleLoadMany('ApplicationDependency'),
  fields: (t) => ({
    ...permissionFields(t, 'ApplicationDependency'),
    resource: t.field({ type: ResourceRef, nullable: true, description: 'The resource depended on; null when the caller may not see it.', resolve: (d, _a, ctx) => loadVisible(ctx, 'Resource', d.resourceId) }),
    application: t.field({ type: ApplicationRef, description: 'The dependent application.', resolve: async (d, _a, ctx) => (await ctx.loaders.zones.application.load(d.applicationId))! }),
    whenAccessing: t.field({
      type: ['ID'],
      description: 'Global ids of resources that, when accessed, make this dependency available.',
      resolve: (d) => d.whenAccessing.map((id) => encodeGlobalID('Resource', id)),
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the dependency was added.' }),
  }),
});
entityLoadedBy(ApplicationDependencyRef, 'ApplicationDependency');

builder.objectField(ZoneRef, 'applications', (t) =>
  t.connection(
    {
      type: ApplicationRef,
      description: 'The applications of the zone, oldest first.',
      args: {
        search: t.arg.string({ description: 'Only applications whose name, identifier or slug contains this text (case-insensitive).' }),
        trait: t.arg({ type: ApplicationTraitEnum, description: 'Only applications with this trait.' }),
      },
      resolve: (z, args, ctx) =>
        zoneList(ctx, {
          table: 'applications',
          parent: 'zoneId',
          parentId: z.id,
          args,
          filter: { search: searchTerm(args.search), jsonContains: args.trait ? { traits: args.trait } : undefined },
          load: ctx.loaders.zones.application,
        }),
    },
    ApplicationConnection,
  ),
);

const CreateApplicationInput = builder.inputType('CreateApplicationInput', {
  description: 'A new application.',
  fields: (t) => ({
    zoneId: t.id({ required: true, description: 'Global id of the zone.' }),
    identifier: t.string({ required: true, description: 'Identifier, unique within the zone (1..2048 characters).' }),
    name: t.string({ required: true, description: 'Name, 1..255 characters.' }),
    slug: t.string({ description: 'URL-safe identifier, unique within the zone; derived from the name when omitted.' }),
    description: t.string({ description: 'Free text, up to 2048 characters.' }),
    docsUrl: t.string({ description: 'Documentation URL (http or https).' }),
    redirectUris: t.stringList({ description: 'OAuth 2.0 redirect URIs: https, http on loopback, or a private-use scheme.' }),
    postLogoutRedirectUris: t.stringList({ description: 'OAuth 2.0 post-logout redirect URIs (same rules).' }),
    traits: t.field({ type: [ApplicationTraitEnum], description: 'Traits of the application.' }),
  }),
});

const UpdateApplicationInput = builder.inputType('UpdateApplicationInput', {
  description: 'Changes to an application; omitted fields stay as they are.',
  fields: (t) => ({
    id: t.id({ required: true, description: 'Global id of the application.' }),
    identifier: t.string({ description: 'New identifier.' }),
    name: t.string({ description: 'New name.' }),
    slug: t.string({ description: 'New slug.' }),
    description: t.string({ description: 'New description; null clears it.' }),
    docsUrl: t.string({ description: 'New documentation URL; null clears it.' }),
    redirectUris: t.stringList({ description: 'New redirect URIs (replacing the list).' }),
    postLogoutRedirectUris: t.stringList({ description: 'New post-logout redirect URIs (replacing the list).' }),
    traits: t.field({ type: [ApplicationTraitEnum], description: 'New traits (replacing the list).' }),
  }),
});

const DeleteApplicationInput = builder.inputType('DeleteApplicationInput', {
  description: 'The application to delete (with its credentials and dependencies).',
  fields: (t) => ({ id: t.id({ required: true, description: 'Global id of the application.' }) }),
});

const AddApplicationDependencyInput = builder.inputType('AddApplicationDependencyInput', {
  description: 'A resource for an application to depend on (adding it again replaces whenAccessing).',
  fields: (t) => ({
    applicationId: t.id({ required: true, description: 'Global id of the application.' }),
    resourceId: t.id({ required: true, description: 'Global id of a resource of the same zone.' }),
    whenAccessing: t.idList({ description: 'Global ids of resources of the zone that, when accessed, make the dependency available.' }),
  }),
});

const RemoveApplicationDependencyInput = builder.inputType('RemoveApplicationDependencyInput', {
  description: 'A dependency to remove.',
  fields: (t) => ({
    applicationId: t.id({ required: true, description: 'Global id of the application.' }),
    resourceId: t.id({ required: true, description: 'Global id of the resource it depends on.' }),
  }),
});

const applicationPayload = (name: string, what: string) =>
  payload<{ application: Application }>(name, `The result of ${what}.`, (t) => ({
    application: t.field({ type: ApplicationRef, nullable: true, description: 'The application, as it is now.', resolve: (p) => p.application ?? null }),
  }));

const DeleteApplicationPayload = payload<{ deletedApplicationId: string }>('DeleteApplicationPayload', 'The result of deleteApplication.', (t) => ({
  deletedApplicationId: t.id({ nullable: true, description: 'Global id of the deleted application.', resolve: (p) => p.deletedApplicationId ?? null }),
}));

const AddApplicationDependencyPayload = payload<{ application: Application; dependency: ApplicationDependency }>('AddApplicationDependencyPayload', 'The result of addApplicationDependency.', (t) => ({
  application: t.field({ type: ApplicationRef, nullable: true, description: 'The application.', resolve: (p) => p.application ?? null }),
  dependency: t.field({ type: ApplicationDependencyRef, nullable: true, description: 'The dependency, as it is now.', resolve: (p) => p.dependency ?? null }),
}));

function ids(values: readonly string[] | null | undefined, typename: string, field: string): string[] | null {
  return values ? values.map((v) => localId(v, typename, field)) : null;
}

builder.mutationFields((t) => ({
  createApplication: t.field({
    type: applicationPayload('CreateApplicationPayload', 'createApplication'),
    description: 'Creates an application in a zone (application.manage on the zone); it is customer-owned.',
    args: { input: t.arg({ type: CreateApplicationInput, required: true, description: 'The application to create.' }) },
    resolve: (_root, { input }, ctx) =>
      attempt(async () => ({ application: await ctx.services.zones.applications.createApplication(ctx.authz, localId(input.zoneId, 'Zone', 'zoneId'), { ...input, traits: input.traits ?? null }) })),
  }),
  updateApplication: t.field({
    type: applicationPayload('UpdateApplicationPayload', 'updateApplication'),
    description: 'Changes an application (application.manage); a platform-owned one is a PlatformOwnedError.',
    args: { input: t.arg({ type: UpdateApplicationInput, required: true, description: 'The changes.' }) },
    resolve: (_root, { input }, ctx) =>
      attempt(async () => ({
        application: await ctx.services.zones.applications.updateApplication(ctx.authz, localId(input.id, 'Application', 'id'), {
          identifier: input.identifier ?? undefined,
          name: input.name ?? undefined,
          slug: input.slug ?? undefined,
          description: input.description,
          docsUrl: input.docsUrl,
          redirectUris: input.redirectUris === null ? [] : input.redirectUris,
          postLogoutRedirectUris: input.postLogoutRedirectUris === null ? [] : input.postLogoutRedirectUris,
          traits: input.traits === null ? [] : input.traits,
        }),
      })),
  }),
  deleteApplication: t.field({
    type: DeleteApplicationPayload,
    description: 'Deletes an application with its credentials and dependencies (application.manage); a platform-owned one is a PlatformOwnedError.',
    args: { input: t.arg({ type: DeleteApplicationInput, required: true, description: 'The application to delete.' }) },
    resolve: (_root, { input }, ctx) =>
      attempt(async () => {
        await ctx.services.zones.applications.deleteApplication(ctx.authz, localId(input.id, 'Application', 'id'));
        return { deletedApplicationId: input.id };
      }),
  }),
  addApplicationDependency: t.field({
    type: AddApplicationDependencyPayload,
    description: 'Makes an application depend on a resource of its zone (application.manage on the application).',
    args: { input: t.arg({ type: AddApplicationDependencyInput, required: true, description: 'The dependency.' }) },
    resolve: (_root, { input }, ctx) =>
      attempt(() =>
        ctx.services.zones.applications.addApplicationDependency(
          ctx.authz,
          localId(input.applicationId, 'Application', 'applicationId'),
          localId(input.resourceId, 'Resource', 'resourceId'),
          ids(input.whenAccessing, 'Resource', 'whenAccessing'),
        ),
      ),
  }),
  removeApplicationDependency: t.field({
    type: applicationPayload('RemoveApplicationDependencyPayload', 'removeApplicationDependency'),
    description: 'Removes a dependency of an application (application.manage on the application).',
    args: { input: t.arg({ type: RemoveApplicationDependencyInput, required: true, description: 'The dependency to remove.' }) },
    resolve: (_root, { input }, ctx) =>
      attempt(async () => ({
        application: await ctx.services.zones.applications.removeApplicationDependency(ctx.authz, localId(input.applicationId, 'Application', 'applicationId'), localId(input.resourceId, 'Resource', 'resourceId')),
      })),
  }),
}));
