/** The parts of the served OpenAPI document (GET /api/openapi.json) the document tests read. */
export interface ServedOperation {
  security?: Record<string, string[]>[];
  responses: Record<string, unknown>;
  requestBody?: unknown;
}

export interface ServedOpenApi {
  paths: Record<string, Record<string, ServedOperation>>;
  components: { securitySchemes: Record<string, { type: string; in?: string; name?: string; scheme?: string }> };
  servers?: unknown[];
}

/** The document a listening site serves: its exact text (for linters) and the parsed form. */
export async function fetchServedOpenApi(baseUrl: string): Promise<{ text: string; doc: ServedOpenApi }> {
  const r = await fetch(`${baseUrl}/api/openapi.json`);
  if (r.status !== 200) throw new Error(`GET /api/openapi.json: ${r.status}`);
  const text = await r.text();
  return { text, doc: JSON.parse(text) as ServedOpenApi };
}
