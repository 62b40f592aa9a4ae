// Shapes of a chained audit entry (browser-safe: no Node imports; the web's export types use them).

/** What an entry's hash covers. Never change it: the chain of every site depends on it. */
export interface AuditEntryContent {
  readonly id: number;
  readonly at: string;
  readonly actor: string;
  readonly action: string;
  readonly room: string | null;
  readonly detail: string;
}

export interface ChainedAuditEntry extends AuditEntryContent {
  readonly prevHash: string;
  readonly hash: string;
}
