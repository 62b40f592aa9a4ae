/** True when `a` is a later x.y.z version than `b` (anything unparsable counts as later: refuse). */
export function isLaterVersion(a: string, b: string): boolean {
  const parse = (v: string): number[] | null => {
    const m = /^(\d+)\.(\d+)\.(\d+)/.exec(v);
    return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : null;
  };
  const pa = parse(a);
  const pb = parse(b);
  if (!pa || !pb) return true;
  for (let i = 0; i < 3; i++) if (pa[i]! !== pb[i]!) return pa[i]! > pb[i]!;
  return false;
}
