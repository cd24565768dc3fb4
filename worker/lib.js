// freshet as a library, for workers you write yourself (docs/library.md).
export { createHandler } from './handler.js';
export { createRevalidator } from './revalidate.js';
export { Engine, EngineError, ManifestError } from './engine.js';
export { PurgeLog } from './purge_log.js';
export { createShieldClass } from './shield_node.js';
