// The zones graph (reference 001): every type file registers itself with the builder.
import './zone.js';
import './application.js';
import './credential.js';
import './catalog.js';
import './secret.js';
import './activity.js';
import './keys.js';
import './policy-schema.js';
import './policy.js';
import './policy-set.js';
import './decision.js';
