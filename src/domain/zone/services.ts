// The services of the zones graph, created once per instance.
import type { Store } from '../store.js';
import type { PasswordHasher } from '../user/service.js';
import { ActivityService } from './activity.js';
import { ApplicationService } from './applications.js';
import { CatalogService } from './catalog.js';
import type { SecretBox, SecretGenerator } from './crypto.js';
import { SecretService } from './secrets.js';
import { ZoneService } from './zones.js';

export interface ZoneDeps {
  hasher: PasswordHasher;
  box: SecretBox;
  random: SecretGenerator;
  /** The public base URL zone protocol endpoints are published under. */
  publicUrl: string;
}

export interface ZoneServices {
  zones: ZoneService;
  applications: ApplicationService;
  catalog: CatalogService;
  secrets: SecretService;
  activity: ActivityService;
  publicUrl: string;
}

export function createZoneServices(store: Store, deps: ZoneDeps): ZoneServices {
  return {
    zones: new ZoneService(store),
    applications: new ApplicationService(store, deps.hasher, deps.random),
    catalog: new CatalogService(store, deps.box),
    secrets: new SecretService(store, deps.box),
    activity: new ActivityService(store),
    publicUrl: deps.publicUrl,
  };
}
