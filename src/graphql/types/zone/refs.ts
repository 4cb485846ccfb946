// Object references of the zones graph, declared once so that type files can point at each other.
import type {
  Application,
  ApplicationCredential,
  ApplicationDependency,
  DelegatedGrant,
  Provider,
  Resource,
  Secret,
  UserAgent,
  ZoneSession,
  ZoneUser,
} from '../../../domain/zone/model.js';
import { builder } from '../../builder.js';

export const ApplicationRef = builder.objectRef<Application>('Application');
export const ApplicationDependencyRef = builder.objectRef<ApplicationDependency>('ApplicationDependency');
export const ApplicationCredentialRef = builder.interfaceRef<ApplicationCredential>('ApplicationCredential');
export const ProviderRef = builder.objectRef<Provider>('Provider');
export const ResourceRef = builder.objectRef<Resource>('Resource');
export const ZoneUserRef = builder.objectRef<ZoneUser>('ZoneUser');
export const UserAgentRef = builder.objectRef<UserAgent>('UserAgent');
export const DelegatedGrantRef = builder.objectRef<DelegatedGrant>('DelegatedGrant');
export const SessionRef = builder.interfaceRef<ZoneSession>('Session');
export const SecretRef = builder.objectRef<Secret>('Secret');

export const OwnerTypeEnum = builder.enumType('OwnerType', {
  description: 'Who owns an object of a zone.',
  values: {
    PLATFORM: { description: 'The platform: it cannot be changed or deleted through the API.' },
    CUSTOMER: { description: 'The customer (everything created through the API).' },
  },
});

export const DocsMetadataRef = builder.objectRef<{ docsUrl: string | null }>('EntityMetadata').implement({
  description: 'Metadata of an application or resource.',
  fields: (t) => ({ docsUrl: t.exposeString('docsUrl', { nullable: true, description: 'Documentation URL.' }) }),
});
