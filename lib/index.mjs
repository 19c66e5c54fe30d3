// ESM entry: the named exports Node reads from the CommonJS entry's export literal, and the
// whole API as the default export.
import api from './index.js';

export * from './index.js';
export default api;
