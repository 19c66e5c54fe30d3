// ESM entry (lib/index.mjs): the same named exports, and the whole API as the default export.
export * from './index.js';
import * as api from './index.js';
export default api;
