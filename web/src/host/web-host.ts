// @examsite/web-host: what a vendor panel may import from the shell (through the import map,
// core/http/web-import-map.ts). Same instances as the shell's own code: one session, one
// live-event stream, one Vue. Additions raise the minor version, changes the major one.
export { api, apiGet, ApiError, errorMessage } from '../api';
export { onServerEvent } from '../server-events';
export { formatDateTime } from '../time-format';
export { useLiveResource } from '../use-live-resource';

/** Version of this module's API; a vendor's examsite-plugin.json `webHostApi` names a range of it. */
export const apiVersion = '1.0.0';
